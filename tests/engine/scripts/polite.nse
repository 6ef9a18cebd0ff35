-- Connections under --max-rate, --max-host-conns and --host-error-budget.
-- polite.mode selects what the script does against polite.port.
local stdnse = require "stdnse"
description = "politeness limits"
categories = {"safe"}
hostrule = function() return true end
action = function(host)
  local mode = stdnse.get_script_args("polite.mode")
  local port = tonumber(stdnse.get_script_args("polite.port"))
  local n = tonumber(stdnse.get_script_args("polite.n") or 30)
  local cv, done, stamps, open, most = nmap.condvar({}), 0, {}, 0, 0
  for i = 1, n do
    stdnse.new_thread(function()
      local s = nmap.new_socket()
      local ok = s:connect(host.ip, port, mode == "tls" and "ssl" or "tcp")
      stamps[#stamps + 1] = nmap.clock()
      if ok then
        open = open + 1
        most = math.max(most, open)
        stdnse.sleep(0.05)
        open = open - 1
        s:close()
      end
      done = done + 1
      cv "signal"
    end)
  end
  while done < n do cv "wait" end
  table.sort(stamps)
  -- The most connections completed within any one second.
  local window, j = 0, 1
  for i = 1, #stamps do
    while stamps[i] - stamps[j] >= 1 do j = j + 1 end
    window = math.max(window, i - j + 1)
  end
  return ("%d connects, at most %d per second, at most %d open"):format(#stamps, window, most)
end
