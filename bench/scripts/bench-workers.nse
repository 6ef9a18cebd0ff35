local nmap = require "nmap"
local stdnse = require "stdnse"

description = [[
Benchmark workload: for every host, 8 worker threads (stdnse.new_thread)
each do one round trip (connect, read the banner line, send a line, read
the answer, close) to the host's first open TCP port, while the
controlling thread waits on a condition variable. Argument
bench-workers.n sets the number of workers per host.
]]
author = "nsx bench"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"safe"}

hostrule = function(host)
  return nmap.get_ports(host, nil, "tcp", "open") ~= nil
end

local function round_trip(host, port)
  local sock = nmap.new_socket()
  sock:set_timeout(10000)
  if not sock:connect(host, port) then
    return false
  end
  local ok = sock:receive_lines(1)
  if ok then
    ok = sock:send("ping\n")
  end
  if ok then
    ok = sock:receive_lines(1)
  end
  sock:close()
  return ok
end

action = function(host)
  local port = nmap.get_ports(host, nil, "tcp", "open")
  local n = tonumber(stdnse.get_script_args("bench-workers.n")) or 8
  local state = {done = 0, ok = 0}
  local condvar = nmap.condvar(state)

  local function worker()
    if round_trip(host, port) then
      state.ok = state.ok + 1
    end
    state.done = state.done + 1
    condvar "signal"
  end

  for _ = 1, n do
    stdnse.new_thread(worker)
  end
  while state.done < n do
    condvar "wait"
  end
  return ("ok %d/%d"):format(state.ok, n)
end
