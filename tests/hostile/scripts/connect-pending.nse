-- Connects to a port whose connects never complete (pending.port), with
-- a socket timeout of pending.timeout ms (default -1: none), and reports
-- how the connect ended. With no socket timeout only a deadline
-- (--script-timeout, --host-timeout) ends the thread, in the middle of
-- the connect.
local stdnse = require "stdnse"

description = "a connect that never completes"
categories = {"safe"}
hostrule = function() return stdnse.get_script_args("pending.port") ~= nil end

action = function()
  local s = nmap.new_socket()
  s:set_timeout(tonumber(stdnse.get_script_args("pending.timeout")) or -1)
  local port = tonumber(stdnse.get_script_args("pending.port"))
  local ok, err = s:connect("127.0.0.1", port)
  s:close()
  return "connect " .. tostring(ok) .. " " .. tostring(err)
end
