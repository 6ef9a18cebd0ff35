-- A small TAP harness for Lua-level tests (run by luarun or by nsx).
--   local t = require_tap()  -- or dofile(".../tap.lua")
--   t.ok(cond, name); t.is(got, want, name); t.like(s, pattern, name)
--   t.raises(fn, pattern, name); t.expect(fn, n) -> wrapper that must be
--   called exactly n times before t.done(); t.done() prints the plan and
--   raises if anything failed.
local M = {}
local count, failed = 0, 0
local expectations = {}

local function report(pass, name, diag)
  count = count + 1
  io.write((pass and "ok " or "not ok ") .. count .. " - " .. (name or "") .. "\n")
  if not pass then
    failed = failed + 1
    if diag then io.write("# " .. diag:gsub("\n", "\n# ") .. "\n") end
  end
  return pass
end

function M.ok(cond, name) return report(not not cond, name) end

function M.is(got, want, name)
  return report(got == want, name,
    ("got: %s (%s)\nwant: %s (%s)"):format(tostring(got), type(got), tostring(want), type(want)))
end

function M.like(s, pat, name)
  return report(type(s) == "string" and s:find(pat) ~= nil, name,
    ("got: %s\nwant pattern: %s"):format(tostring(s), pat))
end

function M.raises(fn, pat, name)
  local ok, err = pcall(fn)
  if ok then return report(false, name, "no error raised") end
  return report(pat == nil or tostring(err):find(pat) ~= nil, name,
    ("error: %s\nwant pattern: %s"):format(tostring(err), tostring(pat)))
end

function M.expect(fn, n, name)
  local e = {calls = 0, n = n, name = name or "expect"}
  expectations[#expectations + 1] = e
  return function(...)
    e.calls = e.calls + 1
    return fn(...)
  end
end

function M.done()
  for _, e in ipairs(expectations) do
    report(e.calls == e.n, e.name .. " called " .. e.n .. " times",
      ("called %d times"):format(e.calls))
  end
  expectations = {}
  io.write("1.." .. count .. "\n")
  if failed > 0 then error(("%d of %d tests failed"):format(failed, count), 0) end
end

return M
