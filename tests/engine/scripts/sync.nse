local stdnse = require "stdnse"
-- Worker threads, mutexes, condition variables and nested coroutines:
-- the seed's rules and spec/engine.md §6.1, §10, each checked in turn.
description = "engine semantics"
categories = {"safe"}
prerule = function() return true end
action = function()
  local check = dofile(SCRIPT_PATH:match("^(.*/)") .. "check.lua")()
  -- 9.12
  local function main () coroutine.yield(1) coroutine.yield(2) coroutine.yield(3) end
  local co = coroutine.create(main)
  local got = {}
  for i = 1, 3 do local a, b = coroutine.resume(co); got[#got+1] = tostring(a) .. " " .. tostring(b) end
  check("9.12", table.concat(got, ";") == "true 1;true 2;true 3", table.concat(got, ";"))
  -- sleep inside wrap
  local gen = coroutine.wrap(function() for i = 1, 3 do stdnse.sleep(0.01); coroutine.yield(i) end end)
  local s = 0; for i = 1, 3 do s = s + gen() end
  check("sleep in wrap", s == 6, s)
  check("base", stdnse.base() == coroutine.running(), stdnse.base())
  local inner_base
  local c2 = coroutine.create(function() inner_base = stdnse.base() end); coroutine.resume(c2)
  check("base from nested", inner_base == stdnse.base())
  local ok, err = coroutine.resume(stdnse.base())
  check("resume base refused", ok == false, err)
  -- worker status
  local w1, st1 = stdnse.new_thread(function() stdnse.sleep(0.01) end)
  local w2, st2 = stdnse.new_thread(function() error({code=42}) end)
  local w4, st4 = stdnse.new_thread(function() error(nil) end)
  local w3, st3 = stdnse.new_thread(function(a, b) assert(a == 1 and b == "x") end, 1, "x")
  check("worker is thread", type(w1) == "thread")
  stdnse.sleep(0.1)
  local s1, e1 = st1(); local s2, e2 = st2(); local s3, e3 = st3()
  check("worker1 dead", s1 == "dead" and e1 == nil, tostring(s1) .. tostring(e1))
  check("worker2 err table", s2 == "dead" and type(e2) == "table" and e2.code == 42, tostring(s2) .. tostring(e2))
  check("worker3 args", s3 == "dead" and e3 == nil, tostring(e3))
  local s4, e4 = st4()
  check("worker4 nil error", s4 == "dead" and e4 == nil, s4, e4)
  -- mutex
  check("mutex rejects nil", not pcall(nmap.mutex, nil))
  check("mutex rejects number", not pcall(nmap.mutex, 1))
  check("mutex rejects bool", not pcall(nmap.mutex, true))
  local m = nmap.mutex("x")
  check("same mutex", m == nmap.mutex("x"))
  local okd, errd = pcall(m, "done")
  check("done without lock", not okd and tostring(errd):find("do not have a lock"), errd)
  check("trylock", m("trylock") == true)
  check("running", m("running") == coroutine.running())
  check("trylock busy", m("trylock") == false)
  m "done"
  check("running nil", m("running") == nil)
  -- FIFO handover
  local order = {}
  local cv = nmap.condvar(order)
  m "lock"
  for i = 1, 5 do stdnse.new_thread(function() m "lock"; order[#order+1] = i; m "done"; end) end
  stdnse.sleep(0.05)
  m "done"
  stdnse.sleep(0.05)
  check("fifo", table.concat(order, ",") == "1,2,3,4,5", table.concat(order, ","))
  -- error while holding releases
  local m2 = nmap.mutex({})
  local wa, sta = stdnse.new_thread(function() m2 "lock"; error("boom") end)
  stdnse.sleep(0.02)
  check("released after error", m2("trylock") == true)
  m2 "done"
  -- condvar LIFO
  local cvo = {}; local c = nmap.condvar(cvo); local woke = {}
  for i = 1, 3 do stdnse.new_thread(function() local c = nmap.condvar(cvo); c "wait"; woke[#woke+1] = i end) end
  stdnse.sleep(0.02)
  c "signal"; stdnse.sleep(0.02)
  check("signal lifo", woke[1] == 3, table.concat(woke, ","))
  c "broadcast"; stdnse.sleep(0.02)
  check("broadcast", #woke == 3, table.concat(woke, ","))
  -- termination wake-up
  local tw = {}
  local ct = nmap.condvar(tw)
  local wk, wst = stdnse.new_thread(function() local cc = nmap.condvar(tw); stdnse.sleep(0.05) end)
  ct "wait"
  check("woken by worker end", wst() == "dead", wst())
  check("new_thread needs function", not pcall(stdnse.new_thread, 1))
  check("unpack alias", unpack({1,2}) == 1)
  check("strict", not pcall(function() return undeclared_variable_xyz end))
  return check.report()
end
