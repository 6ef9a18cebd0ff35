-- A thread only a deadline can end: it connects to the hostile server
-- (hang.port) with no socket timeout (or hang.timeout ms, which a peer
-- that trickles bytes can outlast) and waits for a line forever. Its
-- result must be the --script-timeout one (JSON "status":"timeout"), and
-- its socket must be closed when it is discarded.
local stdnse = require "stdnse"

description = "waits on a hostile peer with no socket timeout"
categories = {"safe"}
hostrule = function() return stdnse.get_script_args("hang.port") ~= nil end

action = function()
  local s = nmap.new_socket()
  s:set_timeout(tonumber(stdnse.get_script_args("hang.timeout")) or -1)
  local port = tonumber(stdnse.get_script_args("hang.port"))
  local ok, err = s:connect("127.0.0.1", port)
  if not ok then return "connect: " .. tostring(err) end
  local a, b = s:receive_buf("\n", true)
  return ("not reached: %s %s"):format(tostring(a), tostring(b))
end
