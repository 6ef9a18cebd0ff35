-- The reference for fuzz-script-args.c: Nmap 7.93's script-args parser,
-- copied from nse_main.lua (with escaped_quote from nselib's
-- lpeg-utility.lua, which cannot be required without the nmap module),
-- and a comparison of two argument tables. nsx_args_parse promises the
-- same tables on every input, so any difference is a finding.
local lpeg = require "lpeg"
local P, S, V, C, Cf, Cg, Ct = lpeg.P, lpeg.S, lpeg.V, lpeg.C, lpeg.Cf,
  lpeg.Cg, lpeg.Ct

local function escaped_quote(quot, esc)
  quot = quot or '"'
  esc = esc or '\\'
  return lpeg.P {
    lpeg.Cs(lpeg.V "quot" * lpeg.Cs((lpeg.V "simple_char" + lpeg.V "noesc" +
      lpeg.V "unesc")^0) * lpeg.V "quot"),
    quot = lpeg.P(quot)/"",
    esc = lpeg.P(esc),
    simple_char = (lpeg.P(1) - (lpeg.V "quot" + lpeg.V "esc")),
    unesc = (lpeg.V "esc" * lpeg.C(lpeg.V "esc" + lpeg.P(quot)))/"%1",
    noesc = lpeg.V "esc" * lpeg.V "simple_char"
  }
end

local function set(t, a, b)
  if b == nil then
    table.insert(t, a)
    return t
  else
    return rawset(t, a, b)
  end
end

local parser = lpeg.locale {
  V "space"^0 * V "table" * V "space"^0,
  table = Cf(Ct "" * P "{" * V "space"^0 * (V "fieldlst")^-1 * V "space"^0 *
    P "}", set);
  hws = V "space" - P "\n",
  fieldlst = V "field" * (V "hws"^0 * S "\n," * V "space"^0 * V "field")^0;
  field = V "kv" + V "av";
  kv = Cg(V "string" * V "hws"^0 * P "=" * V "hws"^0 * V "value");
  av = Cg(V "value");
  value = V "table" + V "string";
  string = V "qstring" + V "uqstring";
  qstring = escaped_quote('"') + escaped_quote("'");
  uqstring = V "hws"^0 * C((P(1) - V "hws"^0 * S "\n,{}=")^0) * V "hws"^0;
}
parser = assert(P(parser))

local M = {}

-- The table Nmap makes of --script-args TEXT, or nil if it fails to
-- parse. Raises when LPeg runs out of backtrack stack (deep nesting).
function M.parse(text)
  return parser:match("{" .. text .. "}")
end

-- Nmap's joining of --script-args-file contents and --script-args, as
-- nsx_args_load documents it (the file is taken up to its first NUL, and
-- a file alone is joined with an empty --script-args).
-- Returns the table, or nil if it does not parse.
function M.load(file, cli)
  local args = {}
  if file then
    args[#args + 1] = file:match("^[^\0]*"):gsub(",*$", "")
  end
  -- Nmap 7.93 passes an empty --script-args when none is given, so a
  -- file alone is still joined with "".
  if cli or file then args[#args + 1] = cli or "" end
  local joined = table.concat(args, ",")
  if #joined == 0 then return {} end
  return M.parse(joined)
end

-- nil when 'a' and 'b' hold the same keys and values (strings and nested
-- tables), else a description of the first difference.
function M.diff(a, b, path)
  path = path or "args"
  if type(a) ~= type(b) then
    return ("%s: %s vs %s"):format(path, type(a), type(b))
  end
  if type(a) ~= "table" then
    if a ~= b then return ("%s: %q vs %q"):format(path, a, b) end
    return nil
  end
  for k, v in pairs(a) do
    local d = M.diff(v, b[k], path .. "[" .. ("%q"):format(k) .. "]")
    if d then return d end
  end
  for k in pairs(b) do
    if a[k] == nil then
      return ("%s[%q]: missing vs present"):format(path, k)
    end
  end
  return nil
end

return M
