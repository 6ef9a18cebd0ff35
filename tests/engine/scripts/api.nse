-- Engine hooks in stdnse, host and port tables, registries and script
-- arguments, as scripts see them (spec/engine.md §4, §5, §11 and
-- spec/nmap-api.md §1, §2).
local stdnse = require "stdnse"
description = "engine API checks"
categories = {"safe"}

portrule = function(host, port)
  return port.number == tonumber(stdnse.get_script_args("api.port"))
end
hostrule = function() return true end

-- Each thread re-runs the file: this local is per thread.
local counter = 0

action = function(host, port)
  local check = dofile(SCRIPT_PATH:match("^(.*/)") .. "check.lua")()
  counter = counter + 1
  if SCRIPT_TYPE == "hostrule" then
    host.registry.from_hostrule = "yes"
    return nil
  end
  check("SCRIPT_NAME", SCRIPT_NAME == "api", SCRIPT_NAME)
  check("SCRIPT_TYPE", SCRIPT_TYPE == "portrule", SCRIPT_TYPE)
  check("file scope is per thread", counter == 1, counter)
  check("getid", stdnse.getid() == "api", stdnse.getid())
  check("getinfo", stdnse.getinfo():match("^api M:%x+$"), stdnse.getinfo())
  check("gettid", stdnse.gettid() == tostring(coroutine.running()), stdnse.gettid())
  check("isworker", stdnse.isworker() == false)
  local h, p = stdnse.gethostport()
  check("gethostport", h.ip == "127.0.0.1" and p.number == port.number, h and h.ip)
  local tid, wid, winfo, wworker
  local cv = nmap.condvar("api")
  local w = stdnse.new_thread(function()
    tid, winfo, wworker = stdnse.gettid(), stdnse.getinfo(), stdnse.isworker()
    cv "signal"
  end)
  cv "wait"
  check("worker gettid is the parent's", tid == stdnse.gettid(), tid)
  check("worker getinfo", winfo:match("^api W:%x+$"), winfo)
  check("worker isworker", wworker == true)
  check("host.ip", host.ip == "127.0.0.1", host.ip)
  check("host.targetname", host.targetname == "localhost", host.targetname)
  check("host.name", type(host.name) == "string", host.name)
  check("host.bin_ip", host.bin_ip == "\127\0\0\1", #host.bin_ip)
  check("host.times", type(host.times) == "table" and host.times.timeout >= 0.1,
        host.times and host.times.timeout)
  check("host.registry shared", host.registry.from_hostrule == "yes",
        host.registry.from_hostrule)
  check("port.protocol", port.protocol == "tcp", port.protocol)
  check("port.state", port.state == "open", port.state)
  check("port.service", port.service == nil, port.service)  -- not in nmap-services
  check("port.version", type(port.version) == "table" and
        port.version.service_dtype == "table", port.version)
  check("nmap.registry.args", nmap.registry.args["api.port"] == tostring(port.number))
  check("script-args table", type(nmap.registry.args.t) == "table" and
        nmap.registry.args.t[1] == "x" and nmap.registry.args.t.k == "v",
        nmap.registry.args.t)
  check("get_script_args flag", stdnse.get_script_args("api.flag") == 1,
        stdnse.get_script_args("api.flag"))
  local ps = nmap.get_port_state(host, {number = port.number, protocol = "tcp"})
  check("get_port_state", ps and ps.state == "open", ps)
  check("get_ports", nmap.get_ports(host, nil, "tcp", "open").number == port.number)
  check("get_ports closed", nmap.get_ports(host, nil, "tcp", "closed").number == 1)
  nmap.set_port_state(host, {number = 1, protocol = "tcp"}, "open")
  check("set_port_state", nmap.get_port_state(host, {number = 1, protocol = "tcp"}).state == "open")
  nmap.set_port_state(host, {number = 1, protocol = "tcp"}, "closed")
  port.version.product = "nsx-test-product"
  nmap.set_port_version(host, port, "hardmatched")
  check("set_port_version", nmap.get_port_state(host, port).version.product == "nsx-test-product")
  check("unknown host raises", not pcall(nmap.get_port_state, {ip = "10.9.9.9"}, port))
  check("verbosity by name", nmap.verbosity() == 1, nmap.verbosity())
  check("version_intensity by name", nmap.version_intensity() == 9)
  check("fetchfile", nmap.fetchfile("nmap-services"):match("nmap%-services$"))
  check("fetchfile missing", nmap.fetchfile("no/such/file") == nil)
  local ok, addrs = nmap.resolve("localhost", "inet")
  check("resolve", ok and addrs[1] == "127.0.0.1", ok, addrs and addrs[1])
  check("clock_ms", math.type(nmap.clock_ms()) == "float" and nmap.clock_ms() > 1e12)
  check("get_random_bytes", #nmap.get_random_bytes(16) == 16)
  local try = nmap.new_try(function() nmap.registry.api_catch = true end)
  check("new_try passes values", select(2, try(true, 1, 2)) == 2)
  local okt, et = pcall(try, false, "oops")
  check("new_try raises", not okt and type(et) == "table" and et.errtype == "nmap.new_try"
        and et.message == "oops" and nmap.registry.api_catch == true, et)
  check("silent_require", not pcall(stdnse.silent_require, "no_such_module_xyz"))
  check("require _G", require "_G" == _G)
  check("lfs path separator", lfs.get_path_separator() == "/")
  return check.report()
end
