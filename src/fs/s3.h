// S3 (and S3-compatible stores: GCS XML API with HMAC keys, MinIO, s3rver) over libcurl with
// SigV4 signing. Mirrors Pinot's S3PinotFS (pinot-plugins/pinot-file-system/pinot-s3) property
// names, see S3Config.java: accessKey, secretKey, region, endpoint, disableAcl, storageClass,
// serverSideEncryption, ssekmsKeyId, ssekmsEncryptionContext, minObjectSizeForMultiPartUpload,
// multiPartUploadPartSize, anonymousCredentialsProvider, crossRegionAccessEnabled,
// httpclient.connectionTimeout, httpclient.socketTimeout. pinot-export extensions: sessionToken,
// pathStyleAccess, maxAttempts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fs/config.h"
#include "fs/fs.h"
#include "fs/http.h"
#include "fs/sigv4.h"

namespace pe::fs {

struct S3Options {
  std::string scheme = "s3";  // URI scheme of this store ("gs" for GCS)
  std::string region = "us-east-1";
  std::string service = "s3";  // SigV4 service name
  // "" = AWS (https://s3.<region>.amazonaws.com); else "http(s)://host[:port]" (a missing scheme
  // means https).
  std::string endpoint;
  // Path-style (endpoint/bucket/key) instead of virtual-host (bucket.endpoint/key) addressing.
  bool path_style = false;
  // Follow x-amz-bucket-region to the bucket's region (Pinot crossRegionAccessEnabled, default on).
  bool cross_region_access = true;
  bool anonymous = false;  // unsigned requests (Pinot anonymousCredentialsProvider)
  SigV4Credentials credentials;
  std::string credentials_source;  // for messages: "properties", "environment", "profile x"

  // Upload headers (Pinot S3PinotFS): disableAcl=false adds x-amz-acl: bucket-owner-full-control.
  bool disable_acl = true;
  std::string storage_class;
  std::string server_side_encryption;  // "AES256" or "aws:kms"
  std::string ssekms_key_id;
  std::string ssekms_encryption_context;

  // Objects of at least this size use multipart upload (Pinot default 5G, the PUT limit).
  uint64_t min_object_size_for_multipart = 5ull << 30;
  uint64_t multipart_part_size = 128ull << 20;  // Pinot default 128MB; S3 minimum 5 MiB
  int list_page_size = 1000;                    // ListObjectsV2 max-keys

  HttpOptions http;
  RetryPolicy retry;
};

// Options from Pinot properties, then the environment and shared AWS files:
//  credentials: accessKey+secretKey(+sessionToken) > AWS_ACCESS_KEY_ID+AWS_SECRET_ACCESS_KEY
//               (+AWS_SESSION_TOKEN) > profile AWS_PROFILE|default in the shared files;
//  region:      region > AWS_REGION > AWS_DEFAULT_REGION > profile region > us-east-1;
//  endpoint:    endpoint > AWS_ENDPOINT_URL_S3 > AWS_ENDPOINT_URL > profile endpoint_url;
//  path style:  pathStyleAccess, default true exactly when a custom endpoint is set;
//  attempts:    maxAttempts > AWS_MAX_ATTEMPTS > profile max_attempts > 5.
// Unsupported Pinot features (iamRoleBasedAccessEnabled/roleArn: STS AssumeRole) are
// NotSupported; missing credentials are InvalidArgument.
Result<S3Options> S3OptionsFromProps(const Props& props, const Env& env);

// GCS through its S3-compatible XML API with HMAC keys
// (https://cloud.google.com/storage/docs/interoperability, signed with SigV4 as service "s3"):
// accessKey/secretKey are the HMAC access id and secret; region defaults to "auto", endpoint to
// https://storage.googleapis.com; the other S3 properties apply unchanged. URIs are gs://. Only
// properties are consulted (no AWS environment or profiles). GcsPinotFS's service-account
// properties (gcpKey, projectId) without HMAC keys are NotSupported.
Result<S3Options> GcsOptionsFromProps(const Props& props);

// Validates `o` (part sizes) and creates the file system.
Result<std::unique_ptr<FileSystem>> NewS3FileSystem(S3Options o);

// "s3://bucket/key" -> {bucket, key}; the key may be empty (bucket root). Any scheme is accepted.
struct ObjectUri {
  std::string scheme, bucket, key;
};
Result<ObjectUri> ParseObjectUri(const std::string& uri);

}  // namespace pe::fs
