// S3 (and S3-compatible stores: the GCS XML API with HMAC keys or service-account OAuth2 tokens,
// MinIO, s3rver) over libcurl with SigV4 signing. Mirrors Pinot's S3PinotFS
// (pinot-plugins/pinot-file-system/pinot-s3) property names, see S3Config.java: accessKey,
// secretKey, region, endpoint, disableAcl, storageClass, serverSideEncryption, ssekmsKeyId,
// ssekmsEncryptionContext, minObjectSizeForMultiPartUpload, multiPartUploadPartSize,
// anonymousCredentialsProvider, crossRegionAccessEnabled, httpclient.connectionTimeout,
// httpclient.socketTimeout. pinot-export extensions: sessionToken, pathStyleAccess, maxAttempts,
// multiPartUploadParallelism.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fs/aws_auth.h"
#include "fs/config.h"
#include "fs/fs.h"
#include "fs/gcp_auth.h"
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
  // When set, `credentials` are taken from here before every request (temporary credentials
  // from STS web identity, EC2 instance metadata or an Iceberg catalog, refreshed before they
  // expire). A request answered ExpiredToken invalidates them and is sent once more.
  std::shared_ptr<AwsCredentialsProvider> credentials_provider;
  // When set (GCS with a service-account key), requests carry "Authorization: Bearer <token>"
  // instead of a SigV4 signature.
  std::shared_ptr<GcpTokenSource> bearer;

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
  // UploadPart requests in flight at once (pinot-export extension multiPartUploadParallelism;
  // the AWS SDK's transfer manager also uploads parts concurrently). Each part is retried on its
  // own; the first part that fails for good stops the others and aborts the upload.
  int multipart_parallelism = 4;

  HttpOptions http;
  RetryPolicy retry;
};

// Options from Pinot properties, then the environment and shared AWS files:
//  credentials: accessKey+secretKey(+sessionToken) > AWS_ACCESS_KEY_ID+AWS_SECRET_ACCESS_KEY
//               (+AWS_SESSION_TOKEN) > web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
//               [+ AWS_ROLE_SESSION_NAME], STS at AWS_ENDPOINT_URL_STS) > profile AWS_PROFILE|
//               default in the shared files (static keys, or web_identity_token_file+role_arn) >
//               EC2 instance metadata (IMDSv2 at AWS_EC2_METADATA_SERVICE_ENDPOINT, skipped when
//               AWS_EC2_METADATA_DISABLED=true) -- the order of the AWS SDK for Java v2
//               DefaultCredentialsProvider that S3PinotFS uses. Web identity and IMDS
//               credentials are fetched here (so failures surface at open) and refreshed later;
//  region:      region > AWS_REGION > AWS_DEFAULT_REGION > profile region > us-east-1;
//  endpoint:    endpoint > AWS_ENDPOINT_URL_S3 > AWS_ENDPOINT_URL > profile endpoint_url;
//  path style:  pathStyleAccess, default true exactly when a custom endpoint is set;
//  attempts:    maxAttempts > AWS_MAX_ATTEMPTS > profile max_attempts > 5;
//  parallelism: multiPartUploadParallelism (1..64, default 4).
// Unsupported Pinot features (iamRoleBasedAccessEnabled/roleArn: STS AssumeRole) are
// NotSupported; missing credentials are InvalidArgument.
Result<S3Options> S3OptionsFromProps(const Props& props, const Env& env);

// GCS through its XML API (https://cloud.google.com/storage/docs/xml-api/overview), path-style at
// https://storage.googleapis.com unless `endpoint` is set. Credentials, first match wins:
//  1. accessKey/secretKey: an HMAC key, requests signed with SigV4 (service "s3", region "auto";
//     https://cloud.google.com/storage/docs/interoperability);
//  2. GcsPinotFS's gcpKey (path of a service-account JSON key file) or jsonKey (the key's JSON,
//     optionally base64-encoded); Pinot only reads these when projectId is set, here they are
//     used either way (projectId itself is not needed by the XML API object calls);
//  3. GOOGLE_APPLICATION_CREDENTIALS (path of a service-account key file), as Pinot's
//     GoogleCredentials.getApplicationDefault().
// With a service-account key, requests carry an OAuth2 access token (see gcp_auth.h) with scope
// devstorage.read_write. The other S3 properties (multipart sizes, maxAttempts, timeouts) apply
// unchanged; AWS environment variables and profiles are not consulted. User credentials from
// `gcloud auth application-default login` and the GCE metadata server are NotSupported.
Result<S3Options> GcsOptionsFromProps(const Props& props, const Env& env);

// Validates `o` (part sizes) and creates the file system.
Result<std::unique_ptr<FileSystem>> NewS3FileSystem(S3Options o);

// "s3://bucket/key" -> {bucket, key}; the key may be empty (bucket root). Any scheme is accepted.
struct ObjectUri {
  std::string scheme, bucket, key;
};
Result<ObjectUri> ParseObjectUri(const std::string& uri);

}  // namespace pe::fs
