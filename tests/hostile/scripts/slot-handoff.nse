-- A freed socket slot must reach a waiting thread even when the waiter it
-- was handed to ends before it runs. Run with --max-sockets 1 on two
-- hosts: on 127.0.0.1 the main thread M holds the only slot while its
-- worker W1 queues for one; the thread W2 of the other host queues behind
-- W1. M then closes (handing the slot to W1) and returns at once, so W1
-- is ended as an orphan before it runs. W2 must still connect:
--   127.0.0.1: "holder done";  127.0.0.2: "connect true"
local stdnse = require "stdnse"

description = "socket slot hand-off past an ended waiter"
categories = {"safe"}
hostrule = function() return stdnse.get_script_args("handoff.port") ~= nil end

action = function(host)
  local port = tonumber(stdnse.get_script_args("handoff.port"))
  if host.ip == "127.0.0.1" then
    local s = nmap.new_socket()
    local ok, err = s:connect("127.0.0.1", port)
    if not ok then return "holder connect " .. tostring(err) end
    stdnse.new_thread(function()
      local w = nmap.new_socket()
      w:connect("127.0.0.1", port)
      w:close()
    end)
    stdnse.sleep(0.5)   -- W1, then W2, queue for the slot meanwhile
    s:close()
    return "holder done"
  end
  stdnse.sleep(0.1)     -- queue behind W1
  local s = nmap.new_socket()
  s:set_timeout(5000)
  local ok, err = s:connect("127.0.0.1", port)
  s:close()
  return "connect " .. tostring(ok) .. (err and " " .. tostring(err) or "")
end
