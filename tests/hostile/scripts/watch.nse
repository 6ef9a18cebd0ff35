-- Measures nsx from inside: the prerule records the open descriptors and
-- the peak resident memory (VmHWM) before any host thread runs, and the
-- postrule, after every host thread has ended, reports
--   fds end=E base=B; hwm base=H0 end=H1 (kB)
-- so a test can check that descriptors came back to their baseline and
-- how far memory grew. libuv reserves one descriptor per loop (for its
-- EMFILE trick) when the first TCP handle is made, so the prerule first
-- connects to a test server (watch.port) to take that reserve out of the
-- comparison.
local lfs = require "lfs"
local stdnse = require "stdnse"

description = "descriptor and memory watch"
categories = {"safe"}
prerule = function() return true end
postrule = function() return true end

local function fds()
  local n = 0
  for f in lfs.dir("/proc/self/fd") do
    if f ~= "." and f ~= ".." then n = n + 1 end
  end
  return n
end

local function hwm()
  local f = assert(io.open("/proc/self/status"))
  local s = f:read("a")
  f:close()
  return tonumber(s:match("VmHWM:%s*(%d+)")) or -1
end

action = function()
  local reg = nmap.registry
  if SCRIPT_TYPE == "prerule" then
    local port = tonumber(stdnse.get_script_args("watch.port"))
    if port then
      local s = nmap.new_socket()
      s:connect("127.0.0.1", port)
      s:close()
      -- nsx closes the descriptor before its loop next polls: let it.
      stdnse.sleep(0.01)
    end
    reg.watch_fds, reg.watch_hwm = fds(), hwm()
    return nil
  end
  return ("fds end=%d base=%d; hwm base=%d end=%d"):format(fds(),
    reg.watch_fds or -1, reg.watch_hwm or -1, hwm())
end
