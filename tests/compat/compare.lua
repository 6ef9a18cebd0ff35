-- compare.lua: compares what Nmap and nsx printed for the same scan, per
-- (port, script), after masking values that change between runs. Reads the
-- normal output (-oN) of both, and their XML (-oX) when given. Which values
-- are masked is in masks.lua; pairs that differ because of an open nsx bug,
-- or on purpose (a spec "Build:" rule), are listed in known-failures.txt.
-- Usage (Lua 5.4):
--   lua5.4 compare.lua [options] NMAP.nmap NSX.nmap [NMAP.xml NSX.xml]
--     --scripts FILE   the script ids that were run (one a line)
--     --masks FILE     masks (default: masks.lua beside this file)
--     --known FILE     known failures (default: known-failures.txt)
--     --left NAME --right NAME   labels (default: nmap, nsx)
--     --strict         a listed known failure that now matches fails too
--     --order          check that the right side sorts results by id
--     --pass NAME      the pass (scripts.txt) these outputs belong to
--     --stderr A B     the two scanners' stderr, for "Bug in" messages
--     --screen A B     the two scanners' stdout, compared like NMAP.nmap
-- Prints one line per compared pair (PASS, FAIL, XFAIL, XPASS, BUILD) with
-- a diff under each FAIL, then a summary; exits 0 when nothing failed.

local here = arg[0]:match("^(.*)/[^/]*$") or "."

local opts = {
  masks = here .. "/masks.lua",
  known = here .. "/known-failures.txt",
  left = "nmap",
  right = "nsx",
  pass = "main",
}
local files = {}
do
  local i = 1
  while i <= #arg do
    local a = arg[i]
    if a == "--strict" or a == "--order" then
      opts[a:sub(3)] = true
    elseif a == "--stderr" or a == "--screen" then
      opts[a:sub(3)] = { arg[i + 1], arg[i + 2] }
      i = i + 2
    elseif a:match("^%-%-") then
      opts[a:sub(3)] = arg[i + 1]
      i = i + 1
    else
      files[#files + 1] = a
    end
    i = i + 1
  end
end
if #files ~= 2 and #files ~= 4 then
  io.stderr:write("usage: compare.lua [options] A.nmap B.nmap [A.xml B.xml]\n")
  os.exit(2)
end

local function readfile(path)
  local f, err = io.open(path, "rb")
  if not f then
    io.stderr:write("compare: ", err, "\n")
    os.exit(2)
  end
  local s = f:read("a")
  f:close()
  return s
end

local function lines_of(s)
  local t = {}
  for l in (s .. "\n"):gmatch("(.-)\r?\n") do t[#t + 1] = l end
  if t[#t] == "" then t[#t] = nil end
  return t
end

-- Script ids: from --scripts, else every id that looks like one. Used to
-- check that a block's first line really names a script.
local known_ids = {}
if opts.scripts then
  for _, l in ipairs(lines_of(readfile(opts.scripts))) do
    l = l:gsub("#.*", ""):match("^%s*(.-)%s*$")
    if l ~= "" then known_ids[l] = true end
  end
end
local function is_id(id)
  if opts.scripts then return known_ids[id] end
  return id:match("^[%w][%w._-]*$") ~= nil
end

-- A section is a port ("80/tcp"), "host", "pre" or "post". Returns
-- results[section .. " " .. id] = lines, rows[port] = the port's row,
-- order[section] = ids in printed order, and stray lines (not "|" ones
-- inside the report, e.g. "Bug in ..." messages).
local function parse_normal(path)
  local results, rows, order, stray = {}, {}, {}, {}
  local section, cur, in_ports = nil, nil, false
  for _, l in ipairs(lines_of(readfile(path))) do
    local bar, rest = l:match("^|([ _])(.*)$")
    if bar and section then
      -- Every block ends with its "|_" line, so a line after a closed
      -- block (or the port row) is always the first line of a new one.
      local id, first = rest:match("^([^%s:]+): ?(.*)$")
      if (cur == nil or cur.closed) and id and is_id(id) then
        cur = { lines = { first }, closed = (bar == "_") }
        results[section .. " " .. id] = cur.lines
        order[section] = order[section] or {}
        table.insert(order[section], id)
      elseif cur and not cur.closed then
        table.insert(cur.lines, rest)
        if bar == "_" then cur.closed = true end
      else
        stray[#stray + 1] = l
      end
    else
      cur = nil
      local port = l:match("^(%d+/%a+)%s+%S+%s+%S+")
      if l:match("^PORT%s+STATE") then
        in_ports = true
      elseif in_ports and port then
        section = port
        rows[port] = l  -- whole row: the column widths must match too
      elseif l == "Host script results:" then
        section, in_ports = "host", false
      elseif l == "Pre-scan script results:" then
        section, in_ports = "pre", false
      elseif l == "Post-scan script results:" then
        section, in_ports = "post", false
      elseif l:match("^Nmap scan report") then
        section, in_ports = nil, false
      elseif l ~= "" and not l:match("^#") and not l:match("^Host is up")
          and not l:match("^Not shown") and not l:match("^Nmap done")
          and not l:match("^Starting ") then
        stray[#stray + 1] = l
      end
    end
  end
  return results, rows, order, stray
end

-- A small XML reader for Nmap's own output: elements, attributes, text.
local function xml_unescape(s)
  return (s:gsub("&(#?x?)(%w+);", function(kind, v)
    local n = (kind == "#x" and tonumber(v, 16)) or
      (kind == "#" and tonumber(v))
    if n then return n < 256 and string.char(n) or utf8.char(n) end
    local named = { amp = "&", lt = "<", gt = ">", quot = '"', apos = "'" }
    return named[v] or ("&" .. kind .. v .. ";")
  end))
end

local function parse_xml_tree(s)
  local root = { tag = "#root", kids = {} }
  local stack = { root }
  local pos = 1
  while true do
    local a = s:find("<", pos, true)
    local top = stack[#stack]
    local text = s:sub(pos, (a or #s + 1) - 1)
    if text:find("%S") then
      top.kids[#top.kids + 1] = { text = xml_unescape(text) }
    end
    if not a then break end
    if s:sub(a, a + 3) == "<!--" then
      pos = select(2, s:find("-->", a, true)) + 1
    elseif s:sub(a, a + 1) == "<?" or s:sub(a, a + 1) == "<!" then
      pos = select(2, s:find(">", a, true)) + 1
    elseif s:sub(a, a + 1) == "</" then
      local _, e = s:find(">", a, true)
      stack[#stack] = nil
      pos = e + 1
    else
      local _, e, tag, attrs, slash = s:find("^<([%w_:-]+)(.-)(/?)>", a)
      local el = { tag = tag, attr = {}, kids = {} }
      for k, v in attrs:gmatch('([%w_:-]+)="(.-)"') do
        el.attr[k] = xml_unescape(v)
      end
      top.kids[#top.kids + 1] = el
      if slash == "" then stack[#stack + 1] = el end
      pos = e + 1
    end
  end
  return root
end

-- Structured output as lines, shaped like Nmap's automatic text: one line
-- per <elem> ("key: value" or the bare value), "key:" for a <table>, two
-- spaces of indent per level. Keyless children (Lua's array part) keep
-- their order; keyed ones are sorted by key, because a plain Lua table's
-- keys come out in hash order, which differs from run to run in Nmap too
-- (the text layer still checks the order of stdnse.output_table keys).
local function render_struct(el, indent, out)
  local keyless, keyed = {}, {}
  for _, k in ipairs(el.kids) do
    local key = k.attr and k.attr.key
    local prefix = indent .. (key and (key .. ": ") or "")
    local block = {}
    if k.tag == "elem" then
      local v = (k.kids[1] and k.kids[1].text) or ""
      if v == "" then
        block[1] = prefix
      else
        for i, vl in ipairs(lines_of(v)) do
          block[#block + 1] = (i == 1 and prefix or indent .. "  ") .. vl
        end
      end
    elseif k.tag == "table" then
      block[1] = prefix
      render_struct(k, indent .. "  ", block)
    elseif k.text then
      block[1] = indent .. k.text
    end
    if key then
      keyed[#keyed + 1] = { key = key, n = #keyed, lines = block }
    else
      keyless[#keyless + 1] = block
    end
  end
  table.sort(keyed, function(x, y)
    if x.key ~= y.key then return x.key < y.key end
    return x.n < y.n
  end)
  for _, b in ipairs(keyless) do table.move(b, 1, #b, #out + 1, out) end
  for _, b in ipairs(keyed) do
    table.move(b.lines, 1, #b.lines, #out + 1, out)
  end
  return out
end

local function walk(el, fn)
  for _, k in ipairs(el.kids or {}) do
    if k.tag then
      fn(k)
      walk(k, fn)
    end
  end
end

-- results[section .. " " .. id] = { output lines, structure lines },
-- services[port] = the <service> attributes as one string.
local function parse_xml(path)
  local results, services = {}, {}
  local function scripts_of(el, section)
    for _, k in ipairs(el.kids) do
      if k.tag == "script" then
        local struct = render_struct(k, "", {})
        results[section .. " " .. k.attr.id] = {
          output = lines_of(k.attr.output or ""),
          struct = struct,
        }
      end
    end
  end
  walk(parse_xml_tree(readfile(path)), function(el)
    if el.tag == "port" then
      local port = el.attr.portid .. "/" .. el.attr.protocol
      scripts_of(el, port)
      for _, k in ipairs(el.kids) do
        if k.tag == "service" then
          local names = {}
          for a in pairs(k.attr) do names[#names + 1] = a end
          table.sort(names)
          local parts = {}
          for _, a in ipairs(names) do
            parts[#parts + 1] = a .. '="' .. k.attr[a] .. '"'
          end
          services[port] = table.concat(parts, " ")
        end
      end
    elseif el.tag == "hostscript" then
      scripts_of(el, "host")
    elseif el.tag == "prescript" then
      scripts_of(el, "pre")
    elseif el.tag == "postscript" then
      scripts_of(el, "post")
    end
  end)
  return results, services
end

-- Masks: masks.lua returns { [id] = { {pattern, replacement}, ...,
-- groups = pattern?, runs = pattern? } }, and "*" for every script. With
-- 'groups', the result is cut into groups, each starting at a line that
-- matches the pattern, and the groups are sorted; with 'runs', each run of
-- consecutive lines that match is sorted. Both are for scripts that print
-- the entries of a plain Lua table, whose order is the table's hash order.
local masks = dofile(opts.masks)
local function mask(id, lines)
  local out = {}
  local rules = {}
  for _, r in ipairs(masks["*"] or {}) do rules[#rules + 1] = r end
  for _, r in ipairs(masks[id] or {}) do rules[#rules + 1] = r end
  for i, l in ipairs(lines) do
    for _, r in ipairs(rules) do l = l:gsub(r[1], r[2]) end
    out[i] = l
  end
  local rp = masks[id] and masks[id].runs
  if rp then
    local i = 1
    while i <= #out do
      local j = i
      while j <= #out and out[j]:match(rp) do j = j + 1 end
      if j > i + 1 then
        local run = table.move(out, i, j - 1, 1, {})
        table.sort(run)
        table.move(run, 1, #run, i, out)
      end
      i = math.max(j, i + 1)
    end
  end
  local gp = masks[id] and masks[id].groups
  if gp then
    local head, groups = {}, {}
    for _, l in ipairs(out) do
      if l:match(gp) then
        groups[#groups + 1] = { l }
      elseif #groups > 0 then
        table.insert(groups[#groups], l)
      else
        head[#head + 1] = l
      end
    end
    for _, g in ipairs(groups) do g.s = table.concat(g, "\n") end
    table.sort(groups, function(x, y) return x.s < y.s end)
    out = head
    for _, g in ipairs(groups) do table.move(g, 1, #g, #out + 1, out) end
  end
  return out
end

-- Known failures: "KIND PASS PORT SCRIPT FINDING REASON...", KIND one of
-- xfail (an nsx bug, FINDING names it) or build (nsx differs on purpose:
-- a spec "Build:" rule); PASS and PORT may be "*"; PORT is a port
-- ("443/tcp"), "host", "pre", "post", "log" or "stderr"; SCRIPT may also be
-- "(port)", "(service)", "(order)" or "(bug-messages)".
local known = {}
for n, l in ipairs(lines_of(readfile(opts.known))) do
  if not l:match("^%s*#") and l:match("%S") then
    local kind, pass, port, id, finding, reason =
      l:match("^(%S+)%s+(%S+)%s+(%S+)%s+(%S+)%s+(%S+)%s*(.*)$")
    if not kind or (kind ~= "xfail" and kind ~= "build") then
      io.stderr:write(("compare: %s:%d: bad line\n"):format(opts.known, n))
      os.exit(2)
    end
    known[#known + 1] = { kind = kind, pass = pass, port = port, id = id,
      finding = finding, reason = reason, used = false }
  end
end
local function known_for(section, id)
  for _, k in ipairs(known) do
    if (k.pass == "*" or k.pass == opts.pass) and
        (k.port == "*" or k.port == section) and k.id == id then
      k.used = true
      return k
    end
  end
end

-- Line diff (longest common subsequence), printed as hunks with 3 lines of
-- context, "-" for the left side and "+" for the right.
local function diff(a, b)
  local n, m = #a, #b
  local L = {}
  for i = n + 1, 1, -1 do
    L[i] = {}
    for j = m + 1, 1, -1 do
      if i > n or j > m then
        L[i][j] = 0
      elseif a[i] == b[j] then
        L[i][j] = L[i + 1][j + 1] + 1
      else
        L[i][j] = math.max(L[i + 1][j], L[i][j + 1])
      end
    end
  end
  local ops = {}
  local i, j = 1, 1
  while i <= n or j <= m do
    if i <= n and j <= m and a[i] == b[j] then
      ops[#ops + 1] = { " ", a[i] }
      i, j = i + 1, j + 1
    elseif i <= n and (j > m or L[i + 1][j] >= L[i][j + 1]) then
      ops[#ops + 1] = { "-", a[i] }
      i = i + 1
    else
      ops[#ops + 1] = { "+", b[j] }
      j = j + 1
    end
  end
  local show = {}
  for k, op in ipairs(ops) do
    if op[1] ~= " " then
      for c = math.max(1, k - 3), math.min(#ops, k + 3) do show[c] = true end
    end
  end
  local out, gap = {}, false
  for k, op in ipairs(ops) do
    if show[k] then
      if gap then out[#out + 1] = "    ..." end
      out[#out + 1] = "    " .. op[1] .. " " .. op[2]
      gap = false
    else
      gap = true
    end
  end
  return out
end

local counts = { PASS = 0, FAIL = 0, XFAIL = 0, XPASS = 0, BUILD = 0 }
local by_script = {}

local function report(status, key, layer, note, d)
  counts[status] = counts[status] + 1
  local id = key:match("^%S+ (.*)$")
  by_script[id] = by_script[id] or {}
  by_script[id][status] = (by_script[id][status] or 0) + 1
  print(("%-5s %s [%s]%s"):format(status, key, layer,
    note and ("  " .. note) or ""))
  for _, l in ipairs(d or {}) do print(l) end
end

local function side(lines, name)
  if not lines then return { "<" .. name .. " printed nothing>" } end
  return lines
end

-- Compares one (section, id) pair on one layer (text, xml, xml-struct).
local function compare_pair(key, layer, a, b)
  local section, id = key:match("^(%S+) (.*)$")
  local ma = a and mask(id, a)
  local mb = b and mask(id, b)
  local same = a ~= nil and b ~= nil and #ma == #mb
  if same then
    for i = 1, #ma do
      if ma[i] ~= mb[i] then
        same = false
        break
      end
    end
  elseif a == nil and b == nil then
    same = true
  end
  local k = known_for(section, id)
  if same then
    if k and k.kind == "xfail" then
      report("XPASS", key, layer, ("%s listed as %s but matches"):format(
        k.finding, k.kind))
    else
      report("PASS", key, layer)
    end
    return
  end
  local d = diff(side(ma, opts.left), side(mb, opts.right))
  table.insert(d, 1, ("    --- %s\n    +++ %s"):format(opts.left, opts.right))
  if k then
    local status = k.kind == "build" and "BUILD" or "XFAIL"
    report(status, key, layer, k.finding .. ": " .. k.reason, d)
  else
    report("FAIL", key, layer, nil, d)
  end
end

local function sorted_keys(...)
  local set, keys = {}, {}
  for _, t in ipairs({ ... }) do
    for k in pairs(t) do
      if not set[k] then
        set[k] = true
        keys[#keys + 1] = k
      end
    end
  end
  table.sort(keys, function(x, y)
    local px, ix = x:match("^(%d*)(.*)$")
    local py, iy = y:match("^(%d*)(.*)$")
    if px ~= py then return (tonumber(px) or 1e9) < (tonumber(py) or 1e9) end
    return ix < iy
  end)
  return keys
end

-- Normal output.
local ra, rowa, ordera, straya = parse_normal(files[1])
local rb, rowb, orderb, strayb = parse_normal(files[2])
print(("# normal output: %s = %s, %s = %s"):format(opts.left, files[1],
  opts.right, files[2]))
for _, port in ipairs(sorted_keys(rowa, rowb)) do
  compare_pair(port .. " (port)", "text",
    rowa[port] and { rowa[port] }, rowb[port] and { rowb[port] })
end
for _, key in ipairs(sorted_keys(ra, rb)) do
  compare_pair(key, "text", ra[key], rb[key])
end

-- What the screen showed (stdout), per (port, script) as well.
if opts.screen then
  local sa, srowa = parse_normal(opts.screen[1])
  local sb, srowb = parse_normal(opts.screen[2])
  print(("# screen: %s = %s, %s = %s"):format(opts.left, opts.screen[1],
    opts.right, opts.screen[2]))
  for _, port in ipairs(sorted_keys(srowa, srowb)) do
    compare_pair(port .. " (port)", "screen",
      srowa[port] and { srowa[port] }, srowb[port] and { srowb[port] })
  end
  for _, key in ipairs(sorted_keys(sa, sb)) do
    compare_pair(key, "screen", sa[key], sb[key])
  end
end

-- Result order within a section (--order): 7.93's is arbitrary (it sorts
-- by the address of the result object), and the spec says to sort by id
-- instead (output.md section 3, "Build:"). So the right side must print
-- each section's results sorted by id; a difference from the left side's
-- order is that intended difference, reported as BUILD.
if opts.order then
  for _, section in ipairs(sorted_keys(orderb)) do
    local ids = orderb[section]
    local sorted = table.move(ids, 1, #ids, 1, {})
    table.sort(sorted)
    local key = section .. " (order)"
    if table.concat(sorted, ",") ~= table.concat(ids, ",") then
      report("FAIL", key, "text", opts.right ..
        " does not sort results by id (spec output.md 3)",
        { "    " .. table.concat(ids, " ") })
    elseif table.concat(ordera[section] or {}, ",") ~=
        table.concat(ids, ",") then
      report("BUILD", key, "text", "sorted by id; " .. opts.left ..
        " 7.93's order is arbitrary (spec output.md 3, Build:)")
    else
      report("PASS", key, "text")
    end
  end
end

-- XML, when both files are given.
if files[3] then
  local xa, sva = parse_xml(files[3])
  local xb, svb = parse_xml(files[4])
  print(("# XML: %s = %s, %s = %s"):format(opts.left, files[3],
    opts.right, files[4]))
  for _, port in ipairs(sorted_keys(sva, svb)) do
    compare_pair(port .. " (service)", "xml",
      sva[port] and { sva[port] }, svb[port] and { svb[port] })
  end
  for _, key in ipairs(sorted_keys(xa, xb)) do
    local a, b = xa[key], xb[key]
    compare_pair(key, "xml-output", a and a.output, b and b.output)
    compare_pair(key, "xml-struct", a and a.struct, b and b.struct)
  end
end

-- "Bug in ID: no string output." (a script returned an empty result):
-- Nmap writes it to stderr and into the normal output file.
local function bug_lines(lines)
  local t = {}
  for _, l in ipairs(lines) do
    if l:match("^Bug in ") then t[#t + 1] = l end
  end
  table.sort(t)
  return #t > 0 and t or nil
end
compare_pair("log (bug-messages)", "text", bug_lines(straya),
  bug_lines(strayb))
if opts.stderr then
  compare_pair("stderr (bug-messages)", "text",
    bug_lines(lines_of(readfile(opts.stderr[1]))),
    bug_lines(lines_of(readfile(opts.stderr[2]))))
end

for _, k in ipairs(known) do
  if not k.used and k.pass == opts.pass then
    print(("# note: known failure %s %s %s %s (%s) was not seen"):format(
      k.kind, k.pass, k.port, k.id, k.finding))
  end
end

-- Per-script summary: which scripts matched everywhere they printed.
print("# per script:")
for _, id in ipairs(sorted_keys(by_script)) do
  local s = by_script[id]
  local parts = {}
  for _, st in ipairs({ "PASS", "FAIL", "XFAIL", "XPASS", "BUILD" }) do
    if s[st] then parts[#parts + 1] = st .. "=" .. s[st] end
  end
  print(("#   %-32s %s"):format(id, table.concat(parts, " ")))
end
print(("# %d PASS, %d FAIL, %d XFAIL, %d XPASS, %d BUILD"):format(
  counts.PASS, counts.FAIL, counts.XFAIL, counts.XPASS, counts.BUILD))
local failed = counts.FAIL > 0 or (opts.strict and counts.XPASS > 0)
os.exit(failed and 1 or 0)
