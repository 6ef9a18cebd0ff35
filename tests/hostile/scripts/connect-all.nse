-- Every host's thread needs a socket at once: it connects to the echo
-- server (all.port), sends a line naming its host, reads it back, holds
-- the connection a moment (all.hold seconds, default 0.01) and closes.
-- Each host's result is "ok" or what failed; the postrule sums up:
--   hosts H, ok K; most open O, most waiting W; failures: ...
-- "most open" counts connections this script holds at once, "most
-- waiting" the connects queued for a socket slot (socket.get_stats).
local stdnse = require "stdnse"

description = "one connection per host, all at once"
categories = {"safe"}
hostrule = function() return stdnse.get_script_args("all.port") ~= nil end
postrule = function() return stdnse.get_script_args("all.port") ~= nil end

action = function(host)
  local reg = nmap.registry
  reg.all = reg.all or {hosts = 0, ok = 0, open = 0, maxopen = 0,
                        maxwait = 0, fail = {}}
  local st = reg.all
  if SCRIPT_TYPE == "postrule" then
    local f = {}
    for k, v in pairs(st.fail) do f[#f + 1] = ("%d x %s"):format(v, k) end
    table.sort(f)
    return ("hosts %d, ok %d; most open %d, most waiting %d; failures: %s")
      :format(st.hosts, st.ok, st.maxopen, st.maxwait,
              #f > 0 and table.concat(f, ", ") or "none")
  end
  st.hosts = st.hosts + 1
  local s = nmap.new_socket()
  s:set_timeout(tonumber(stdnse.get_script_args("all.timeout")) or 10000)
  st.maxwait = math.max(st.maxwait, nmap.socket.get_stats().connect_waiting)
  local port = tonumber(stdnse.get_script_args("all.port"))
  local ok, err = s:connect("127.0.0.1", port)
  st.maxwait = math.max(st.maxwait, nmap.socket.get_stats().connect_waiting)
  local result
  if not ok then
    result = "connect " .. tostring(err)
  else
    st.open = st.open + 1
    st.maxopen = math.max(st.maxopen, st.open)
    local msg = "hello " .. host.ip .. "\n"
    local a, b = s:send(msg)
    if not a then
      result = "send " .. tostring(b)
    else
      a, b = s:receive_buf("\n", true)
      result = (a and b == msg) and "ok" or ("receive " .. tostring(b))
    end
    stdnse.sleep(tonumber(stdnse.get_script_args("all.hold")) or 0.01)
    st.open = st.open - 1
  end
  s:close()
  if result == "ok" then
    st.ok = st.ok + 1
  else
    st.fail[result] = (st.fail[result] or 0) + 1
  end
  return result
end
