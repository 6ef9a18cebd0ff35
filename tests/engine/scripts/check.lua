-- check.lua: tiny assertion helper for the engine's NSE test scripts.
-- local check = dofile(SCRIPT_PATH:match("^(.*/)") .. "check.lua")()
-- check(name, cond, ...) records "PASS name" or "FAIL name: details";
-- check.report() returns the lines as the script's output.
return function()
  local lines = {}
  local check = setmetatable({}, {__call = function(_, name, cond, ...)
    if cond then
      lines[#lines + 1] = "PASS " .. name
    else
      local d = {}
      for i = 1, select("#", ...) do d[#d + 1] = tostring((select(i, ...))) end
      lines[#lines + 1] = "FAIL " .. name .. ": " .. table.concat(d, " ")
    end
    return cond
  end})
  function check.report() return table.concat(lines, "\n") end
  return check
end
