-- Runs after connect-pending (a dependency, so the next runlevel) and
-- connects to a working server (after.port): under --max-sockets 1 it
-- gets a slot only if the ended connect-pending thread gave its back.
local stdnse = require "stdnse"

description = "a connect after an ended pending connect"
categories = {"safe"}
dependencies = {"connect-pending"}
hostrule = function() return stdnse.get_script_args("after.port") ~= nil end

action = function()
  local s = nmap.new_socket()
  s:set_timeout(5000)
  local port = tonumber(stdnse.get_script_args("after.port"))
  local ok, err = s:connect("127.0.0.1", port)
  s:close()
  return "connect " .. tostring(ok) .. (err and " " .. tostring(err) or "")
end
