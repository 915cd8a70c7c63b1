// server/: the REST API of a running DataExportTask service, with Pinot's task URLs and JSON shapes
// (org.apache.pinot.controller.api.resources.PinotTaskRestletResource), so a Pinot user's tools
// and habits work unchanged, plus health, status and Prometheus metrics.
//
//   POST /tasks/schedule?taskType=DataExportTask&tableName=T  {"DataExportTask":"<task>"|null}
//   GET  /tasks/tasktypes                        ["DataExportTask"]
//   GET  /tasks/{taskType}/tasks                 ["<task>", ...]
//   GET  /tasks/{taskType}/taskstates            {"<task>":"<TaskState>"}
//   GET  /tasks/{taskType}/{table}/state         {"<task>":"<TaskState>"}
//   GET  /tasks/{taskType}/{table}/taskstates    (the same; the reference's URL)
//   GET  /tasks/{taskType}/{table}/metadata      the table's task metadata as a ZNRecord
//   GET  /tasks/{taskType}/{table}/status        watermark, lag, counts, last cycle
//   GET  /tasks/task/{task}/state                "<TaskState>"
//   GET  /tasks/task/{task}/config               [PinotTaskConfig per subtask]
//   GET  /tasks/subtask/{task}/state             {"<subtask>":"<TaskPartitionState>"}
//   PUT  /tasks/{taskType}/stop | /resume        {"status":"Successfully ..."}
//   GET  /health                                 {"status":"OK"}
//   GET  /metrics                                Prometheus text format 0.0.4
//
// Errors are Pinot's ControllerApplicationException entity, {"code":N,"error":"<one line>"}: 400
// for a task type other than DataExportTask or a bad parameter, 401 for a missing or wrong bearer
// token, 404 for an unknown table, task, subtask or URL, 405 for a URL served under another
// method. Nothing returned carries a secret: config values of secret keys are "*****", and every
// error text passes through pe::log::Scrub. A table may be named with its type suffix or without
// it (T resolves to T_REALTIME, then T_OFFLINE), as Pinot's newer task endpoints accept either.
// Every request is logged (pe::log::Info): method, path without the query, status.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "task/service.h"

namespace pe::server {

struct ServerOptions {
  std::string bind = "127.0.0.1";  // loopback unless the operator opens it (--bind)
  int port = 0;                    // 0: the kernel picks a free port (see Server::port())
  // Non-empty: POST/PUT/DELETE require "Authorization: Bearer <auth_token>" (401 otherwise);
  // GETs stay open, as Pinot's read endpoints do under its default access control.
  std::string auth_token;

  // Cluster mode (run --role). A worker serves only GET /health and GET /metrics (task_api =
  // false; every other URL is 404). On a generator, `leader_url` says who acts on mutating calls:
  // "" for this process, otherwise the leader's base URL ("http://host:port"), to which POST and
  // PUT requests are forwarded once (method, path, query and Authorization header; marked with
  // the header X-Pinot-Export-Forwarded so they are never forwarded again) and whose answer is
  // returned as it is; 502 when the leader does not answer, 503 when no leader is known.
  bool task_api = true;
  std::function<Result<std::string>()> leader_url;
  // Extra members of GET /health's JSON object (role, leadership, ZooKeeper session), as the
  // text of a JSON object; "" or unset = none.
  std::function<std::string()> health;
};

// An HTTP server over one task::Service, answering on its own threads (cpp-httplib's pool) from
// Start() until Stop() or destruction. The service must outlive the server.
class Server {
 public:
  // Binds and starts serving before it returns. Errors: kIOError naming bind:port when the
  // address cannot be bound (in use, not local, not resolvable).
  static Result<std::unique_ptr<Server>> Start(task::Service* service, ServerOptions options);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;  // the bound port
  // Stops accepting, finishes the requests in flight and joins the listener. Idempotent.
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pe::server
