local nmap = require "nmap"
local stdnse = require "stdnse"

description = [[
Benchmark workload: one pre-scan thread spawns bench-scale.n workers
(default 10000) with stdnse.new_thread. Each worker sleeps one second,
then waits on a shared condition variable until every worker has slept;
the last one to wake broadcasts. The output gives the time to spawn them
all and the total, in milliseconds.
]]
author = "nsx bench"
license = "Same as Nmap--See https://nmap.org/book/man-legal.html"
categories = {"safe"}

prerule = function()
  return true
end

action = function()
  local n = tonumber(stdnse.get_script_args("bench-scale.n")) or 10000
  local state = {slept = 0}
  local condvar = nmap.condvar(state)
  local t0 = nmap.clock_ms()

  local function worker()
    stdnse.sleep(1)
    state.slept = state.slept + 1
    if state.slept == n then
      condvar "broadcast"
    end
    while state.slept < n do
      condvar "wait"
    end
  end

  for _ = 1, n do
    stdnse.new_thread(worker)
  end
  local spawned = nmap.clock_ms()
  while state.slept < n do
    condvar "wait"
  end
  local t1 = nmap.clock_ms()
  return ("n=%d spawn_ms=%d total_ms=%d"):format(n,
    math.floor(spawned - t0), math.floor(t1 - t0))
end
