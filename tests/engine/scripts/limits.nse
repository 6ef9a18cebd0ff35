-- Runs under small limits: --max-threads (main threads at once) and
-- --max-sockets (sockets open at once). Every thread must still finish.
local stdnse = require "stdnse"
description = "limits"
categories = {"safe"}
hostrule = function() return true end
postrule = function() return true end
action = function(host)
  local reg = nmap.registry
  if SCRIPT_TYPE == "postrule" then
    return ("threads %d, most at once %d; sockets %d, most open %d, waited %s"):format(
      reg.lim_done or 0, reg.lim_max or 0, reg.lim_socks or 0,
      reg.lim_maxsocks or 0, tostring(reg.lim_waited or false))
  end
  reg.lim_in = (reg.lim_in or 0) + 1
  reg.lim_max = math.max(reg.lim_max or 0, reg.lim_in)
  local port = tonumber(stdnse.get_script_args("lim.echo"))
  local cv, done = nmap.condvar({}), 0
  for i = 1, 3 do
    stdnse.new_thread(function()
      local s = nmap.new_socket()
      local ok = s:connect("127.0.0.1", port)
      if nmap.socket.get_stats().connect_waiting > 0 then reg.lim_waited = true end
      reg.lim_open = (reg.lim_open or 0) + 1
      reg.lim_maxsocks = math.max(reg.lim_maxsocks or 0, reg.lim_open)
      stdnse.sleep(0.05)
      reg.lim_open = reg.lim_open - 1
      s:close()
      if ok then reg.lim_socks = (reg.lim_socks or 0) + 1 end
      done = done + 1
      cv "signal"
    end)
  end
  while done < 3 do cv "wait" end
  reg.lim_in = reg.lim_in - 1
  reg.lim_done = (reg.lim_done or 0) + 1
end
