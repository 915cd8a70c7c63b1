// The non-S3 remote stores: HDFS over WebHDFS, and read-only HTTP(S).
#pragma once

#include <memory>

#include "fs/config.h"
#include "fs/fs.h"

namespace pe::fs {

// hdfs://namenode[:rpc-port]/path through the WebHDFS REST API
// (https://hadoop.apache.org/docs/stable/hadoop-project-dist/hadoop-hdfs/WebHDFS.html), with
// "simple" authentication (user.name). Properties (prefix-stripped output.fs.prop.*):
//   webhdfs.endpoint   http(s)://namenode:port of the NameNode HTTP server (pinot-export
//                      extension); default: dfs.namenode.http-address from
//                      <hadoop.conf.path>/hdfs-site.xml, else http://<uri host>:9870
//   hadoop.conf.path   HadoopPinotFS's Hadoop configuration directory (only hdfs-site.xml's
//                      dfs.namenode.http-address is read)
//   hadoop.user        user.name (extension); default HADOOP_USER_NAME, then USER
//   hadoop.delegation.token  a WebHDFS delegation token (extension), sent as delegation=<token>
//                      instead of user.name
//   maxAttempts        total tries per request (default 5)
// Kerberos (hadoop.kerberos.principle / hadoop.kerberos.keytab, i.e. SPNEGO) is NotSupported.
// Upload follows the two-step CREATE (NameNode answers 307 with a DataNode Location, the data
// goes there) into a hidden temp file (common/file.h HiddenTempPath: ".<name>.tmp-*" in the
// target directory), then RENAME with renameoptions=OVERWRITE; the temp file is deleted on
// failure. Calls that change the namespace tolerate lost replies: CREATE (overwrite=true on a
// private temp name) and DELETE (absent = done) are simply retried; a retried RENAME that answers
// false is read back (temp gone, target of the uploaded length = renamed), and when that cannot
// be decided the error is UnknownOutcome.
Result<std::unique_ptr<FileSystem>> NewWebHdfsFileSystem(const Props& props, const Env& env,
                                                         const std::string& uri);

// http(s)://... read-only (Exists, Size, ReadRange, Download; the rest NotSupported). Redirects
// are followed; retries as for S3 (maxAttempts).
Result<std::unique_ptr<FileSystem>> NewHttpFileSystem(const Props& props);

}  // namespace pe::fs
