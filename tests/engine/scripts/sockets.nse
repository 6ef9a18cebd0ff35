-- The socket object: return values and error strings of
-- spec/nmap-api.md §0 and §5, against the test servers whose ports come in
-- as script arguments (sock.echo, sock.banner, sock.silent, sock.close,
-- sock.lines, sock.udp).
local stdnse = require "stdnse"
local match = require "match"

description = "socket API checks"
categories = {"safe"}
prerule = function() return true end

local function port(name) return tonumber(stdnse.get_script_args("sock." .. name)) end

action = function()
  local check = dofile(SCRIPT_PATH:match("^(.*/)") .. "check.lua")()
  local ECHO = port("echo")
  local s = nmap.new_socket()
  local a, b = s:connect("127.0.0.1", ECHO)
  check("connect", a == true, a, b)
  check("send", s:send("abc\n") == true)
  a, b = s:receive()
  check("receive", a == true and b == "abc\n", a, b)
  s:send("line1\nline2\nrest")
  a, b = s:receive_buf("\n", false)
  check("receive_buf pattern", a == true and b == "line1", a, b)
  a, b = s:receive_buf("\n", true)
  check("receive_buf keep", a == true and b == "line2\n", a, b)
  s:set_timeout(200)
  a, b = s:receive_buf("\n", true)
  check("receive_buf timeout", a == nil and b == "TIMEOUT", a, b)
  s:send("XYZ")
  a, b = s:receive_buf(match.numbytes(5), true)
  check("receive_buf function", a == true and b == "restX", a, b)
  s:send("99\n")
  a, b = s:receive_buf("%d+", false)
  check("receive_buf pattern, match dropped", a == true and b == "YZ", a, b)
  a, b = s:receive_buf("\n", true)
  check("receive_buf rest", a == true and b == "\n", a, b)
  s:send("q")
  local ok, err = pcall(s.receive_buf, s, function() return 3, 1 end, true)
  check("invalid indices raise", not ok and tostring(err):find("invalid indices"), err)
  check("keep is required", not pcall(s.receive_buf, s, "\n"))
  s:send("hello")
  stdnse.sleep(0.05)
  a, b = s:receive_bytes(3)
  check("receive_bytes skips receive_buf's buffer", a == true and b == "hello", a, b)
  local i, lip, lport, rip, rport = s:get_info()
  check("get_info", i == true and lip == "127.0.0.1" and type(lport) == "number"
        and rip == "127.0.0.1" and rport == ECHO, i, lip, lport, rip, rport)
  check("close", s:close() == true)
  a, b = s:close()
  check("close twice", a == false and b == "socket already closed", a, b)
  a, b = s:send("x")
  check("send when closed", a == false and b == "socket must be connected", a, b)
  a, b = s:get_info()
  check("get_info when closed", a == false and b == "socket must be connected", a, b)

  s = nmap.new_socket()
  s:connect({ip = "127.0.0.1", targetname = "localhost"},
            {number = port("banner"), protocol = "tcp"})
  a, b = s:receive_lines(1)
  check("host and port tables", a == true and b == "HELLO there\r\n", a, b)
  s:close()

  s = nmap.new_socket()
  s:connect("127.0.0.1", port("lines"))
  a, b = s:receive_lines(3)
  check("receive_lines", a == true and select(2, b:gsub("\n", "")) >= 3, a, b)
  while a do a, b = s:receive() end
  check("EOF", a == nil and b == "EOF", a, b)
  a, b = s:receive()
  check("EOF again", a == nil and b == "EOF", a, b)
  s:close()

  s = nmap.new_socket()
  s:set_timeout(100)
  s:connect("127.0.0.1", port("silent"))
  a, b = s:receive()
  check("timeout", a == nil and b == "TIMEOUT", a, b)
  a, b = s:receive_bytes(10)
  check("timeout again", a == nil and b == "TIMEOUT", a, b)
  s:close()

  s = nmap.new_socket()
  a, b = s:connect("127.0.0.1", port("refused"))
  check("refused", a == nil and b == "ERROR", a, b)

  s = nmap.new_socket()
  s:connect("127.0.0.1", port("close"))
  a, b = s:receive()
  check("closed by peer", a == nil and (b == "EOF" or b == "ERROR"), a, b)

  s = nmap.new_socket()
  a, b = s:connect("localhost", ECHO)
  check("connect by name", a == true, a, b)
  s:close()
  a, b = s:connect("no-such-host.invalid", ECHO)
  check("name that does not resolve", a == false and type(b) == "string", a, b)

  s = nmap.new_socket("udp")
  a, b = s:connect("127.0.0.1", port("udp"))
  check("udp connect", a == true, a, b)
  s:send("ping")
  a, b = s:receive()
  check("udp echo", a == true and b == "ping", a, b)
  s:close()
  s = nmap.new_socket("udp")
  a, b = s:sendto("127.0.0.1", port("udp"), "hey")
  check("udp sendto", a == true, a, b)
  a, b = s:receive()
  check("udp receive after sendto", a == true and b == "hey", a, b)
  s:close()

  s = nmap.new_socket()
  check("bind", s:bind("127.0.0.1", 0) == true)
  a, b = s:bind("not an address", 0)
  check("bind bad address", a == false and b:find("^getaddrinfo"), a, b)
  check("bind needs a port", not pcall(s.bind, s, "127.0.0.1"))
  a, b = s:connect("127.0.0.1", ECHO)
  check("connect after bind", a == true, a, b)
  s:close()
  check("set_timeout rejects < -1", not pcall(s.set_timeout, s, -2))
  check("new_socket rejects ssl", not pcall(nmap.new_socket, "ssl"))

  -- A socket is busy while another coroutine waits on it.
  s = nmap.new_socket()
  s:set_timeout(300)
  s:connect("127.0.0.1", port("silent"))
  stdnse.new_thread(function() s:receive() end)
  stdnse.sleep(0.05)
  ok, err = pcall(s.receive, s)
  check("invalid reuse", not ok and tostring(err):find("Invalid reuse"), err)
  stdnse.sleep(0.4)

  -- Blocking calls inside a nested coroutine suspend the whole thread.
  local gen = coroutine.wrap(function()
    local c = nmap.new_socket()
    c:connect("127.0.0.1", ECHO)
    c:send("nested")
    local _, d = c:receive()
    coroutine.yield(d)
    c:close()
  end)
  check("I/O in a nested coroutine", gen() == "nested")

  -- Many connections at once, from workers.
  local done, cv = 0, nmap.condvar("sockets-workers")
  for n = 1, 50 do
    stdnse.new_thread(function()
      local c = nmap.new_socket()
      c:connect("127.0.0.1", ECHO)
      c:send("w" .. n)
      local _, d = c:receive()
      if d == "w" .. n then done = done + 1 end
      c:close()
      cv "signal"
    end)
  end
  local t0 = nmap.clock()
  while done < 50 and nmap.clock() - t0 < 10 do cv "wait" end
  check("50 workers with sockets", done == 50, done)
  return check.report()
end
