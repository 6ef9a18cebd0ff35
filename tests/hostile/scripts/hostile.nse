-- Probes a hostile server (hostile.port) with the socket methods, each
-- probe in its own worker thread, all at once, and reports one line per
-- probe, sorted:   NAME: OUTCOME [(xN)]
-- where OUTCOME is "true LEN 'DATA'" (DATA: the first 24 bytes, escaped),
-- "true", "nil STATUS" or "false MESSAGE"; a drain reports
-- "LEN bytes then nil STATUS". Arguments:
--   hostile.probes   a probe name or a list {a,b,...} of: receive, buf,
--                    lines, bytes, drain, bufdrain, ssl, reconnect, send,
--                    sendrecv, sendloop, churn
--   hostile.timeout  socket timeout in ms (default 500; -1: none)
--   hostile.want     receive_bytes count (default 10)
--   hostile.size     bytes to send (default 1048576)
--   hostile.repeat   how many threads run each probe (default 1); equal
--                    outcomes are reported once with (xN)
--   hostile.churn    connections the churn probe opens and closes, one
--                    after another (default 50)
--   hostile.sends    sends of hostile.size bytes the sendloop probe makes
--                    on one connection (default 16); it reports how many
--                    ended how, e.g. "3 x true, 13 x nil TIMEOUT"
local stdnse = require "stdnse"

description = "socket methods against a hostile peer"
categories = {"safe"}
hostrule = function() return stdnse.get_script_args("hostile.port") ~= nil end

local function arg(name, default)
  local v = stdnse.get_script_args("hostile." .. name)
  if v == nil then return default end
  return v
end

local function esc(s)
  s = #s > 24 and s:sub(1, 24) or s
  return (s:gsub("[^%w %.:/_-]", function(c)
    return ("\\x%02x"):format(c:byte())
  end))
end

local function show(a, b)
  if a then
    if type(b) == "string" then return ("true %d '%s'"):format(#b, esc(b)) end
    return "true"
  end
  return tostring(a) .. " " .. tostring(b)
end

local function open(proto)
  local s = nmap.new_socket()
  s:set_timeout(tonumber(arg("timeout", 500)))
  local a, b = s:connect("127.0.0.1", tonumber(arg("port")), proto)
  return s, a, b
end

local PROBES = {}

local function simple(method, ...)
  local extra = table.pack(...)
  return function()
    local s, a, b = open()
    if not a then return "connect " .. show(a, b) end
    a, b = s[method](s, table.unpack(extra, 1, extra.n))
    s:close()
    return show(a, b)
  end
end

PROBES.receive = simple("receive")
PROBES.buf = simple("receive_buf", "\n", false)
PROBES.lines = simple("receive_lines", 1)
PROBES.bytes = function()
  return simple("receive_bytes", tonumber(arg("want", 10)))()
end

PROBES.drain = function()
  local s, a, b = open()
  if not a then return "connect " .. show(a, b) end
  local n = 0
  while true do
    a, b = s:receive()
    if not a then break end
    n = n + #b
  end
  s:close()
  return ("%d bytes then %s"):format(n, show(a, b))
end

PROBES.bufdrain = function()
  local s, a, b = open()
  if not a then return "connect " .. show(a, b) end
  local n = 0
  while true do
    a, b = s:receive_buf("\n", true)
    if not a then break end
    n = n + #b
  end
  s:close()
  return ("%d bytes then %s"):format(n, show(a, b))
end

PROBES.ssl = function()
  local s, a, b = open("ssl")
  s:close()
  return show(a, b)
end

PROBES.reconnect = function()
  local s, a, b = open()
  if not a then return "connect " .. show(a, b) end
  a, b = s:reconnect_ssl()
  s:close()
  return show(a, b)
end

PROBES.send = function()
  local s, a, b = open()
  if not a then return "connect " .. show(a, b) end
  a, b = s:send(string.rep("x", tonumber(arg("size", 1048576))))
  s:close()
  return show(a, b)
end

PROBES.sendrecv = function()
  local s, a, b = open()
  if not a then return "connect " .. show(a, b) end
  a, b = s:send(string.rep("x", tonumber(arg("size", 1048576))))
  local c, d = s:receive()
  s:close()
  return "send " .. show(a, b) .. ", receive " .. show(c, d)
end

PROBES.sendloop = function()
  local s, a, b = open()
  if not a then return "connect " .. show(a, b) end
  local data, seen = string.rep("x", tonumber(arg("size", 1048576))), {}
  for _ = 1, tonumber(arg("sends", 16)) do
    local o = show(s:send(data))
    seen[o] = (seen[o] or 0) + 1
  end
  s:close()
  local out = {}
  for o, k in pairs(seen) do out[#out + 1] = ("%d x %s"):format(k, o) end
  table.sort(out)
  return table.concat(out, ", ")
end

PROBES.churn = function()
  local n, bad = tonumber(arg("churn", 50)), {}
  for _ = 1, n do
    local s, a, b = open()
    if a then a, b = s:receive() end
    s:close()
    local o = show(a, b)
    bad[o] = (bad[o] or 0) + 1
  end
  local out = {}
  for o, k in pairs(bad) do out[#out + 1] = ("%d x %s"):format(k, o) end
  table.sort(out)
  return table.concat(out, ", ")
end

action = function()
  local probes = arg("probes", "receive")
  if type(probes) == "string" then probes = {probes} end
  local reps = tonumber(arg("repeat", 1))
  local results, running, cv = {}, 0, nmap.condvar({})
  for _, name in ipairs(probes) do
    local f = PROBES[name] or error("no probe " .. name)
    results[name] = {}
    for _ = 1, reps do
      running = running + 1
      stdnse.new_thread(function()
        local ok, r = pcall(f)
        local t = results[name]
        t[#t + 1] = ok and r or ("raised " .. tostring(r))
        running = running - 1
        cv "signal"
      end)
    end
  end
  while running > 0 do cv "wait" end
  local lines = {}
  for name, outs in pairs(results) do
    local count = {}
    for _, o in ipairs(outs) do count[o] = (count[o] or 0) + 1 end
    for o, k in pairs(count) do
      lines[#lines + 1] = ("%s: %s%s"):format(name, o,
        k > 1 and (" (x%d)"):format(k) or "")
    end
  end
  table.sort(lines)
  return stdnse.format_output(true, lines)
end
