/* Script results (src/output/format.c): the §6 decision, text, XML
 * children and JSON, the escapes and the line layout. Expected text and
 * XML come from Nmap 7.93 runs (output.md §5 and scripts of our own). */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "output/format.h"
#include "unit.h"

#define ASSERT_EQ_MEM(p, n, s)                                          \
  do {                                                                  \
    const char *p_ = (p), *s_ = (s);                                    \
    size_t n_ = (n);                                                    \
    if (p_ == NULL || n_ != strlen(s_) || memcmp(p_, s_, n_) != 0)      \
      UNIT_FAIL("%s == %s: \"%.*s\" (%zu) != \"%s\"", #p, #s,           \
                p_ ? (int)n_ : 6, p_ ? p_ : "(null)", n_, s_);          \
  } while (0)

/* An ordered table like stdnse.output_table(): pairs follows insertion
 * order. Plain tables with several string keys come out in hash order,
 * which Lua 5.4 seeds at random, so tests that need a fixed order use
 * this; Nmap's captures came from Lua 5.3's order. */
static const char prelude[] =
    "function otable()\n"
    "  local keys, vals = {}, {}\n"
    "  return setmetatable({}, {\n"
    "    __index = vals,\n"
    "    __newindex = function(_, k, v)\n"
    "      if vals[k] == nil then keys[#keys + 1] = k end\n"
    "      vals[k] = v\n"
    "    end,\n"
    "    __pairs = function()\n"
    "      local i = 0\n"
    "      return function()\n"
    "        i = i + 1\n"
    "        local k = keys[i]\n"
    "        if k ~= nil then return k, vals[k] end\n"
    "      end\n"
    "    end,\n"
    "  })\n"
    "end\n"
    "function ordered(...)\n"
    "  local o, a = otable(), {...}\n"
    "  for i = 1, #a, 2 do o[a[i]] = a[i + 1] end\n"
    "  return o\n"
    "end\n";

/* A state with the standard libraries and the prelude. */
static lua_State *newstate(void) {
  lua_State *L = luaL_newstate();
  ASSERT(L != NULL);
  luaL_openlibs(L);
  if (luaL_dostring(L, prelude) != LUA_OK)
    UNIT_FAIL("prelude: %s", lua_tostring(L, -1));
  return L;
}

/* Run 'chunk' and capture what it returns, like an action's values.
 * [-0, +(0|1), -] (the error object when the capture fails) */
static int run(lua_State *L, const char *chunk, struct nsx_result *res) {
  int top = lua_gettop(L), st;
  if (luaL_loadstring(L, chunk) != LUA_OK ||
      lua_pcall(L, 0, LUA_MULTRET, 0) != LUA_OK)
    UNIT_FAIL("chunk: %s", lua_tostring(L, -1));
  st = nsx_result_pcapture(L, lua_gettop(L) - top, res, 0);
  ASSERT_EQ_INT(lua_gettop(L), top + (st != LUA_OK));
  return st;
}

/* The same, failing the test unless it stores a result. [-0, +0, -] */
static void capture(lua_State *L, const char *chunk, struct nsx_result *res) {
  int st = run(L, chunk, res);
  if (st != LUA_OK) UNIT_FAIL("capture: %s", lua_tostring(L, -1));
  ASSERT(res->stored);
}

/* The whole <script> element as out_xml.c is to write it. */
static char *script_xml(const char *id, const struct nsx_result *r) {
  struct nsx_strbuf b = {0};
  ASSERT_EQ_INT(nsx_strbuf_add(&b, "<script id=\"", 12), 0);
  ASSERT_EQ_INT(nsx_xml_escape(&b, id, strlen(id)), 0);
  ASSERT_EQ_INT(nsx_strbuf_add(&b, "\" output=\"", 10), 0);
  ASSERT_EQ_INT(nsx_xml_escape_output(&b, r->text, r->textlen), 0);
  if (!r->has_tab) {
    ASSERT_EQ_INT(nsx_strbuf_add(&b, "\"/>", 3), 0);
    return b.data;
  }
  ASSERT_EQ_INT(nsx_strbuf_add(&b, "\">", 2), 0);
  ASSERT_EQ_INT(nsx_strbuf_add(&b, r->xml, r->xmllen), 0);
  ASSERT_EQ_INT(nsx_strbuf_add(&b, "</script>", 9), 0);
  return b.data;
}

/* The normal-output lines, or "BUG" for the "Bug in" case. */
static char *lines(const char *id, const struct nsx_result *r) {
  struct nsx_strbuf b = {0};
  int rc = nsx_result_layout(&b, id, r->text, r->textlen);
  if (rc == NSX_RESULT_NOTEXT) {
    ASSERT(b.len == 0);
    nsx_strbuf_add(&b, "BUG", 3);
  } else {
    ASSERT_EQ_INT(rc, 0);
  }
  return b.data;
}

/* Capture 'chunk' and compare layout, XML element and JSON (NULL: none).
 * [-0, +0, -] */
static void check(lua_State *L, const char *id, const char *chunk,
                  const char *want_lines, const char *want_xml,
                  const char *want_json) {
  struct nsx_result r;
  char *s;
  capture(L, chunk, &r);
  s = lines(id, &r);
  ASSERT_EQ_STR(s, want_lines);
  free(s);
  s = script_xml(id, &r);
  ASSERT_EQ_STR(s, want_xml);
  free(s);
  if (want_json)
    ASSERT_EQ_MEM(r.json, r.jsonlen, want_json);
  else
    ASSERT(r.json == NULL && !r.has_tab);
  ASSERT(r.text_error == NULL);
  ASSERT(r.tab_error == NULL);
  nsx_result_free(&r);
}

typedef int (*escape_fn)(struct nsx_strbuf *, const char *, size_t);

static void check_escape(escape_fn fn, const char *in, size_t n,
                         const char *want) {
  struct nsx_strbuf b = {0};
  ASSERT_EQ_INT(fn(&b, in, n), 0);
  ASSERT_EQ_MEM(b.data, b.len, want);
  nsx_strbuf_free(&b);
}

#define ESC(fn, lit, want) check_escape(fn, lit, sizeof lit - 1, want)

TEST(format_strbuf) {
  struct nsx_strbuf b = {0};
  int i;
  ASSERT_EQ_INT(nsx_strbuf_add(&b, "", 0), 0);
  ASSERT(b.data != NULL && b.len == 0 && b.data[0] == '\0');
  for (i = 0; i < 1000; i++) ASSERT_EQ_INT(nsx_strbuf_add(&b, "ab", 2), 0);
  ASSERT_EQ_INT(b.len, 2000);
  ASSERT(b.data[2000] == '\0' && b.cap > 2000);
  nsx_strbuf_free(&b);
  nsx_strbuf_free(&b);
  ASSERT(b.data == NULL && b.len == 0 && b.cap == 0);
}

TEST(format_screen_escape) {
  ESC(nsx_screen_escape, "tab\there \1 ctrl", "tab\there \\x01 ctrl");
  ESC(nsx_screen_escape, "a\r\nb", "a\\x0D\nb");
  ESC(nsx_screen_escape, "caf\xc3\xa9 \x7f \xff", "caf\\xC3\\xA9 \\x7F \\xFF");
  ESC(nsx_screen_escape, "\0z", "\\x00z");
  ESC(nsx_screen_escape, " ~<&>\"'", " ~<&>\"'");
  ESC(nsx_screen_escape, "", "");
}

TEST(format_xml_escape) {
  /* Script ids, as Nmap wrote them: no protection step. */
  ESC(nsx_xml_escape, "a--b&c'd", "a-&#45;b&amp;c&apos;d");
  ESC(nsx_xml_escape, "tab\tx", "tab&#x9;x");
  ESC(nsx_xml_escape, "id\xc3\xa9", "id&#xc3;&#xa9;");
  ESC(nsx_xml_escape, "d\x7f" "e", "d\x7f" "e");
  ESC(nsx_xml_escape, "e---f", "e-&#45;&#45;f");
  ESC(nsx_xml_escape, "<\">\n\r", "&lt;&quot;&gt;&#xa;&#xd;");
  ESC(nsx_xml_escape, "-x-", "-x-");
}

TEST(format_xml_escape_output) {
  ESC(nsx_xml_escape_output, "k\1--'\"<>&\xff",
      "k\\x01-&#45;&apos;&quot;&lt;&gt;&amp;\\xFF");
  ESC(nsx_xml_escape_output, "v\n\t\r", "v&#xa;&#x9;&#xd;");
  ESC(nsx_xml_escape_output, "c----d", "c-&#45;&#45;&#45;d");
  ESC(nsx_xml_escape_output, "\0z", "\\x00z");
  ESC(nsx_xml_escape_output, "\x7f", "\\x7F");
  ESC(nsx_xml_escape_output, "caf\xc3\xa9 \x7f \xff",
      "caf\\xC3\\xA9 \\x7F \\xFF");
  ESC(nsx_xml_escape_output, "-\1-", "-\\x01-");
  ESC(nsx_xml_escape_output, "", "");
}

TEST(format_json_quote) {
  ESC(nsx_json_quote, "", "\"\"");
  ESC(nsx_json_quote, "a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
  ESC(nsx_json_quote, "\n\r\t\b\f\1\x1f\x7f",
      "\"\\n\\r\\t\\b\\f\\u0001\\u001f\x7f\"");
  ESC(nsx_json_quote, "\0", "\"\\u0000\"");
  /* Valid UTF-8 stays as is, up to four bytes. */
  ESC(nsx_json_quote, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
      "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  ESC(nsx_json_quote, "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");
  /* Every byte of an invalid sequence reads as Latin-1. */
  ESC(nsx_json_quote, "\xff", "\"\\u00ff\"");
  ESC(nsx_json_quote, "\x80z", "\"\\u0080z\"");
  /* Overlong forms, a surrogate, past U+10FFFF, truncated. */
  ESC(nsx_json_quote, "\xc0\x80", "\"\\u00c0\\u0080\"");
  ESC(nsx_json_quote, "\xe0\x80\xaf", "\"\\u00e0\\u0080\\u00af\"");
  ESC(nsx_json_quote, "\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");
  ESC(nsx_json_quote, "\xf4\x90\x80\x80",
      "\"\\u00f4\\u0090\\u0080\\u0080\"");
  ESC(nsx_json_quote, "\xe2\x82", "\"\\u00e2\\u0082\"");
  ESC(nsx_json_quote, "\xe2\x82z", "\"\\u00e2\\u0082z\"");
  ESC(nsx_json_quote, "\xc3\xa9\xff\xc3\xa9", "\"\xc3\xa9\\u00ff\xc3\xa9\"");
}

static void check_layout(const char *id, const char *text, size_t n,
                         const char *want) {
  struct nsx_strbuf b = {0};
  ASSERT_EQ_INT(nsx_result_layout(&b, id, text, n), 0);
  ASSERT_EQ_MEM(b.data, b.len, want);
  nsx_strbuf_free(&b);
}

#define LAYOUT(id, lit, want) check_layout(id, lit, sizeof lit - 1, want)

TEST(format_layout) {
  struct nsx_strbuf b = {0};
  LAYOUT("x", "one", "|_x: one\n");
  LAYOUT("x", "a\n\nb\n", "| x: a\n| \n|_b\n");
  LAYOUT("nl1", "\n", "|_nl1: \n");
  LAYOUT("nl2", "\n\n", "| nl2: \n|_\n");
  LAYOUT("anl2", "a\n\n", "| anl2: a\n|_\n");
  LAYOUT("crlf", "a\r\nb", "| crlf: a\\x0D\n|_b\n");
  LAYOUT("trailsp", "a \nb ", "| trailsp: a \n|_b \n");
  LAYOUT("t", "tab\there \1 ctrl", "|_t: tab\there \\x01 ctrl\n");
  LAYOUT("z", "a\0b", "|_z: a\\x00b\n");
  LAYOUT("id\xc3\xa9", "x", "|_id\xc3\xa9: x\n");  /* the id is not escaped */
  LAYOUT("e", "ERROR: Script execution failed (use -d to debug)",
         "|_e: ERROR: Script execution failed (use -d to debug)\n");
  ASSERT_EQ_INT(nsx_result_layout(&b, "x", "", 0), NSX_RESULT_NOTEXT);
  ASSERT(b.len == 0);
  /* Appends to what is there. */
  ASSERT_EQ_INT(nsx_strbuf_add(&b, "PORT\n", 5), 0);
  ASSERT_EQ_INT(nsx_result_layout(&b, "y", "z", 1), 0);
  ASSERT_EQ_STR(b.data, "PORT\n|_y: z\n");
  nsx_strbuf_free(&b);
}

TEST(format_example1_http) {
  lua_State *L = newstate();
  check(L, "http-title",
        "local o = otable(); o.title = 'Spec test page'\n"
        "return o, 'Spec test page'",
        "|_http-title: Spec test page\n",
        "<script id=\"http-title\" output=\"Spec test page\">"
        "<elem key=\"title\">Spec test page</elem>\n</script>",
        "{\"title\":\"Spec test page\"}");
  check(L, "http-headers",
        "return '\\n  Server: SimpleHTTP/0.6 Python/3.11.7\\n"
        "  Date: Fri, 27 Nov 2026 01:48:39 GMT\\n  Content-type: text/html\\n"
        "  Content-Length: 71\\n"
        "  Last-Modified: Fri, 27 Nov 2026 01:46:06 GMT\\n  \\n"
        "  (Request type: HEAD)\\n'",
        "| http-headers: \n"
        "|   Server: SimpleHTTP/0.6 Python/3.11.7\n"
        "|   Date: Fri, 27 Nov 2026 01:48:39 GMT\n"
        "|   Content-type: text/html\n"
        "|   Content-Length: 71\n"
        "|   Last-Modified: Fri, 27 Nov 2026 01:46:06 GMT\n"
        "|   \n"
        "|_  (Request type: HEAD)\n",
        "<script id=\"http-headers\" output=\"&#xa;  Server: SimpleHTTP/0.6 "
        "Python/3.11.7&#xa;  Date: Fri, 27 Nov 2026 01:48:39 GMT&#xa;  "
        "Content-type: text/html&#xa;  Content-Length: 71&#xa;  "
        "Last-Modified: Fri, 27 Nov 2026 01:46:06 GMT&#xa;  &#xa;  "
        "(Request type: HEAD)&#xa;\"/>",
        NULL);
  check(L, "http-server-header",
        "local b = 'SimpleHTTP/0.6 Python/3.11.7'; return {b}, b",
        "|_http-server-header: SimpleHTTP/0.6 Python/3.11.7\n",
        "<script id=\"http-server-header\" output=\"SimpleHTTP/0.6 "
        "Python/3.11.7\"><elem>SimpleHTTP/0.6 Python/3.11.7</elem>\n"
        "</script>",
        "[\"SimpleHTTP/0.6 Python/3.11.7\"]");
  check(L, "http-methods",
        "local o = otable(); o['Supported Methods'] = {'GET', 'HEAD'}\n"
        "return o, '\\n  Supported Methods: GET HEAD'",
        "| http-methods: \n|_  Supported Methods: GET HEAD\n",
        "<script id=\"http-methods\" output=\"&#xa;  Supported Methods: GET "
        "HEAD\"><table key=\"Supported Methods\">\n<elem>GET</elem>\n"
        "<elem>HEAD</elem>\n</table>\n</script>",
        "{\"Supported Methods\":[\"GET\",\"HEAD\"]}");
  lua_close(L);
}

TEST(format_example2_struct) {
  lua_State *L = newstate();
  check(L, "t-struct",
        "local o = otable()\n"
        "o.title = 'hello'; o.list = {'a', 'b', {'c1', 'c2'}}\n"
        "o.nested = {k1 = 'v1', [1] = 'first'}; o.empty = {}; o.num = 42\n"
        "o.bool = true\n"
        "return o",
        "| t-struct: \n"
        "|   title: hello\n"
        "|   list: \n"
        "|     a\n"
        "|     b\n"
        "|     \n"
        "|       c1\n"
        "|       c2\n"
        "|   nested: \n"
        "|     first\n"
        "|     k1: v1\n"
        "|   empty: \n"
        "|   num: 42\n"
        "|_  bool: true\n",
        "<script id=\"t-struct\" output=\"&#xa;  title: hello&#xa;  list: "
        "&#xa;    a&#xa;    b&#xa;    &#xa;      c1&#xa;      c2&#xa;  "
        "nested: &#xa;    first&#xa;    k1: v1&#xa;  empty: &#xa;  num: "
        "42&#xa;  bool: true\"><elem key=\"title\">hello</elem>\n"
        "<table key=\"list\">\n"
        "<elem>a</elem>\n"
        "<elem>b</elem>\n"
        "<table>\n"
        "<elem>c1</elem>\n"
        "<elem>c2</elem>\n"
        "</table>\n"
        "</table>\n"
        "<table key=\"nested\">\n"
        "<elem>first</elem>\n"
        "<elem key=\"k1\">v1</elem>\n"
        "</table>\n"
        "<table key=\"empty\">\n"
        "</table>\n"
        "<elem key=\"num\">42</elem>\n"
        "<elem key=\"bool\">true</elem>\n"
        "</script>",
        "{\"title\":\"hello\",\"list\":[\"a\",\"b\",[\"c1\",\"c2\"]],"
        "\"nested\":{\"1\":\"first\",\"k1\":\"v1\"},\"empty\":{},"
        "\"num\":42,\"bool\":true}");
  lua_close(L);
}

TEST(format_example3_escaping) {
  lua_State *L = newstate();
  /* {count = 2, items = ...} came out in that order from Lua 5.3's hash;
   * 'ordered' pins it. */
  check(L, "ex-pre",
        "return ordered('count', 2, 'items', {'x', 'y'}), '2 items: x, y'",
        "|_ex-pre: 2 items: x, y\n",
        "<script id=\"ex-pre\" output=\"2 items: x, y\"><elem key=\"count\">2"
        "</elem>\n<table key=\"items\">\n<elem>x</elem>\n<elem>y</elem>\n"
        "</table>\n</script>",
        "{\"count\":2,\"items\":[\"x\",\"y\"]}");
  check(L, "ex-host",
        "local o = otable()\n"
        "o.addr = '127.0.0.1'\n"
        "o.ports = {ordered('open', true, 'number', 18080)}\n"
        "o['a<b&c'] = 'quote\"d'\n"
        "return o",
        "| ex-host: \n"
        "|   addr: 127.0.0.1\n"
        "|   ports: \n"
        "|     \n"
        "|       open: true\n"
        "|       number: 18080\n"
        "|_  a<b&c: quote\"d\n",
        "<script id=\"ex-host\" output=\"&#xa;  addr: 127.0.0.1&#xa;  ports: "
        "&#xa;    &#xa;      open: true&#xa;      number: 18080&#xa;  "
        "a&lt;b&amp;c: quote&quot;d\"><elem key=\"addr\">127.0.0.1</elem>\n"
        "<table key=\"ports\">\n"
        "<table>\n"
        "<elem key=\"open\">true</elem>\n"
        "<elem key=\"number\">18080</elem>\n"
        "</table>\n"
        "</table>\n"
        "<elem key=\"a&lt;b&amp;c\">quote&quot;d</elem>\n"
        "</script>",
        "{\"addr\":\"127.0.0.1\",\"ports\":[{\"open\":true,\"number\":18080}],"
        "\"a<b&c\":\"quote\\\"d\"}");
  lua_close(L);
}

TEST(format_edge_empty) {
  lua_State *L = newstate();
  check(L, "s", "return ''", "BUG", "<script id=\"s\" output=\"\"/>", NULL);
  check(L, "t", "return {}", "BUG", "<script id=\"t\" output=\"\"></script>",
        "{}");
  check(L, "e4", "return nil, ''", "BUG", "<script id=\"e4\" output=\"\"/>",
        NULL);
  check(L, "e", "return {}, ''", "BUG",
        "<script id=\"e\" output=\"\"></script>", "{}");
  check(L, "ee", "return '', ''", "BUG",
        "<script id=\"ee\" output=\"\"></script>", "\"\"");
  lua_close(L);
}

TEST(format_edge_scalars) {
  lua_State *L = newstate();
  check(L, "f", "return false", "|_f: false\n",
        "<script id=\"f\" output=\"false\">false</script>", "false");
  check(L, "n", "return 42", "|_n: 42\n",
        "<script id=\"n\" output=\"42\">42</script>", "42");
  check(L, "f3", "return 3.0", "|_f3: 3.0\n",
        "<script id=\"f3\" output=\"3.0\">3.0</script>", "3.0");
  check(L, "zero", "return 0", "|_zero: 0\n",
        "<script id=\"zero\" output=\"0\">0</script>", "0");
  check(L, "hi", "return 'caf\\xc3\\xa9 \\x7f \\xff'",
        "|_hi: caf\\xC3\\xA9 \\x7F \\xFF\n",
        "<script id=\"hi\" output=\"caf\\xC3\\xA9 \\x7F \\xFF\"/>", NULL);
  lua_close(L);
}

TEST(format_not_stored) {
  lua_State *L = newstate();
  const char *chunks[] = {"return", "return nil", "return nil, false",
                          "return nil, nil, 'third'"};
  size_t i;
  for (i = 0; i < sizeof chunks / sizeof *chunks; i++) {
    struct nsx_result r;
    ASSERT_EQ_INT(run(L, chunks[i], &r), LUA_OK);
    ASSERT(!r.stored && !r.has_tab);
    ASSERT(!r.text && !r.xml && !r.json && !r.text_error && !r.tab_error);
    nsx_result_free(&r);
  }
  lua_close(L);
}

TEST(format_second_value) {
  lua_State *L = newstate();
  check(L, "o", "return nil, 'only string'", "|_o: only string\n",
        "<script id=\"o\" output=\"only string\"/>", NULL);
  check(L, "strtab", "return 'tabstr', 'text'", "|_strtab: text\n",
        "<script id=\"strtab\" output=\"text\">tabstr</script>",
        "\"tabstr\"");
  check(L, "tabnum", "return {a = 1}, 5", "|_tabnum: 5\n",
        "<script id=\"tabnum\" output=\"5\"><elem key=\"a\">1</elem>\n"
        "</script>", "{\"a\":1}");
  check(L, "emptytabstr", "return {}, 'x'", "|_emptytabstr: x\n",
        "<script id=\"emptytabstr\" output=\"x\"></script>", "{}");
  check(L, "emptystrtab", "return '', 'x'", "|_emptystrtab: x\n",
        "<script id=\"emptystrtab\" output=\"x\"></script>", "\"\"");
  /* An empty second value: Nmap formats the first instead. */
  check(L, "emptyr2", "return 'x', ''", "|_emptyr2: x\n",
        "<script id=\"emptyr2\" output=\"x\">x</script>", "\"x\"");
  check(L, "e1", "return {a = 1}, ''", "| e1: \n|_  a: 1\n",
        "<script id=\"e1\" output=\"&#xa;  a: 1\"><elem key=\"a\">1</elem>\n"
        "</script>", "{\"a\":1}");
  check(L, "e2", "return 42, ''", "|_e2: 42\n",
        "<script id=\"e2\" output=\"42\">42</script>", "42");
  check(L, "e3",
        "return {a = 1}, setmetatable({}, {__tostring = function() "
        "return '' end})",
        "| e3: \n|_  a: 1\n",
        "<script id=\"e3\" output=\"&#xa;  a: 1\"><elem key=\"a\">1</elem>\n"
        "</script>", "{\"a\":1}");
  check(L, "f", "return false, true", "|_f: true\n",
        "<script id=\"f\" output=\"true\">false</script>", "false");
  check(L, "more", "return 'a', nil, 'c'", "|_more: a\n",
        "<script id=\"more\" output=\"a\"/>", NULL);
  {
    struct nsx_result r;
    capture(L, "return nil, {1}", &r);  /* tostring of a table */
    ASSERT(!r.has_tab && strncmp(r.text, "table: 0x", 9) == 0);
    nsx_result_free(&r);
  }
  lua_close(L);
}

TEST(format_tostring) {
  lua_State *L = newstate();
  check(L, "ts",
        "return setmetatable({a = 1}, {__tostring = function() "
        "return 'custom' end})",
        "|_ts: custom\n",
        "<script id=\"ts\" output=\"custom\"><elem key=\"a\">1</elem>\n"
        "</script>", "{\"a\":1}");
  check(L, "nestts",
        "return {inner = setmetatable({x = 1}, {__tostring = function() "
        "return 'T' end})}",
        "| nestts: \n|_  inner: T\n",
        "<script id=\"nestts\" output=\"&#xa;  inner: T\"><table "
        "key=\"inner\">\n<elem key=\"x\">1</elem>\n</table>\n</script>",
        "{\"inner\":{\"x\":1}}");
  check(L, "tsxml",
        "return {x = setmetatable({}, {__tostring = function() "
        "return 'TS' end})}",
        "| tsxml: \n|_  x: TS\n",
        "<script id=\"tsxml\" output=\"&#xa;  x: TS\"><table key=\"x\">\n"
        "</table>\n</script>", "{\"x\":{}}");
  /* A number from __tostring is accepted, as by Lua 5.3's tostring. */
  check(L, "tsbad",
        "return setmetatable({x = 1}, {__tostring = function() "
        "return 5 end})",
        "|_tsbad: 5\n",
        "<script id=\"tsbad\" output=\"5\"><elem key=\"x\">1</elem>\n"
        "</script>", "{\"x\":1}");
  lua_close(L);
}

TEST(format_keys) {
  lua_State *L = newstate();
  /* Booleans, floats and integers past the sequence are dropped. */
  check(L, "drop", "return {[true] = 'x', [2.5] = 'y', 'arr', [3] = 'gap'}",
        "| drop: \n|_  arr\n", "<script id=\"drop\" output=\"&#xa;  arr\">"
        "<elem>arr</elem>\n</script>", "[\"arr\"]");
  /* __pairs order, non-string keys it yields dropped as well. */
  check(L, "numkeys",
        "return setmetatable({}, {__pairs = function(t)\n"
        "  local ks, i = {'b', 5, 'a', true}, 0\n"
        "  return function()\n"
        "    i = i + 1; local k = ks[i]\n"
        "    if k ~= nil then return k, 'v' .. tostring(k) end\n"
        "  end, t, nil end})",
        "| numkeys: \n|   b: vb\n|_  a: va\n",
        "<script id=\"numkeys\" output=\"&#xa;  b: vb&#xa;  a: va\">"
        "<elem key=\"b\">vb</elem>\n<elem key=\"a\">va</elem>\n</script>",
        "{\"b\":\"vb\",\"a\":\"va\"}");
  /* ipairs goes through __index, as Lua's ipairs does. */
  check(L, "idx",
        "return setmetatable({}, {__index = function(t, i)\n"
        "  if type(i) == 'number' and i <= 3 then return 'v' .. i end end})",
        "| idx: \n|   v1\n|   v2\n|_  v3\n",
        "<script id=\"idx\" output=\"&#xa;  v1&#xa;  v2&#xa;  v3\">"
        "<elem>v1</elem>\n<elem>v2</elem>\n<elem>v3</elem>\n</script>",
        "[\"v1\",\"v2\",\"v3\"]");
  check(L, "keyesc",
        "return {['k\\1--\\'\"<>&\\xff'] = 'v\\1--\\'\"<>&\\xff\\n\\t\\r'}",
        "| keyesc: \n"
        "|   k\\x01--'\"<>&\\xFF: v\\x01--'\"<>&\\xFF\n"
        "|_\t\\x0D\n",
        "<script id=\"keyesc\" output=\"&#xa;  k\\x01-&#45;&apos;&quot;&lt;"
        "&gt;&amp;\\xFF: v\\x01-&#45;&apos;&quot;&lt;&gt;&amp;\\xFF&#xa;"
        "&#x9;&#xd;\"><elem key=\"k\\x01-&#45;&apos;&quot;&lt;&gt;&amp;"
        "\\xFF\">v\\x01-&#45;&apos;&quot;&lt;&gt;&amp;\\xFF&#xa;&#x9;&#xd;"
        "</elem>\n</script>",
        "{\"k\\u0001--'\\\"<>&\\u00ff\":\"v\\u0001--'\\\"<>&\\u00ff\\n\\t"
        "\\r\"}");
  check(L, "keynl", "return {['k\\nl'] = 'v'}", "| keynl: \n|   k\n|_l: v\n",
        "<script id=\"keynl\" output=\"&#xa;  k&#xa;l: v\"><elem "
        "key=\"k&#xa;l\">v</elem>\n</script>", "{\"k\\nl\":\"v\"}");
  check(L, "keybin", "return {['\\xe9k'] = '\\xe9v'}",
        "| keybin: \n|_  \\xE9k: \\xE9v\n",
        "<script id=\"keybin\" output=\"&#xa;  \\xE9k: \\xE9v\"><elem "
        "key=\"\\xE9k\">\\xE9v</elem>\n</script>",
        "{\"\\u00e9k\":\"\\u00e9v\"}");
  check(L, "dashes", "return {['a---b'] = 'c----d'}, 'e---f'",
        "|_dashes: e---f\n",
        "<script id=\"dashes\" output=\"e-&#45;&#45;f\"><elem "
        "key=\"a-&#45;&#45;b\">c-&#45;&#45;&#45;d</elem>\n</script>",
        "{\"a---b\":\"c----d\"}");
  check(L, "nul", "return {'\\0z', k = '\\x7f'}", "| nul: \n|   \\x00z\n"
        "|_  k: \\x7F\n",
        "<script id=\"nul\" output=\"&#xa;  \\x00z&#xa;  k: \\x7F\"><elem>"
        "\\x00z</elem>\n<elem key=\"k\">\\x7F</elem>\n</script>",
        "{\"1\":\"\\u0000z\",\"k\":\"\x7f\"}");
  lua_close(L);
}

TEST(format_numbers) {
  lua_State *L = newstate();
  check(L, "f1e100",
        "return ordered('e', 2^63, 'd', -0.0, 'c', math.huge, 'b', 0/0,\n"
        "  'a', 1e100, 'g', 0.1, 'f', -math.huge, 'h', 1/3, 'i', 7,\n"
        "  'j', math.mininteger)",
        "| f1e100: \n"
        "|   e: 9.2233720368548e+18\n"
        "|   d: -0.0\n"
        "|   c: inf\n"
        "|   b: -nan\n"
        "|   a: 1e+100\n"
        "|   g: 0.1\n"
        "|   f: -inf\n"
        "|   h: 0.33333333333333\n"
        "|   i: 7\n"
        "|_  j: -9223372036854775808\n",
        "<script id=\"f1e100\" output=\"&#xa;  e: 9.2233720368548e+18&#xa;  "
        "d: -0.0&#xa;  c: inf&#xa;  b: -nan&#xa;  a: 1e+100&#xa;  g: 0.1"
        "&#xa;  f: -inf&#xa;  h: 0.33333333333333&#xa;  i: 7&#xa;  j: "
        "-9223372036854775808\"><elem key=\"e\">9.2233720368548e+18</elem>\n"
        "<elem key=\"d\">-0.0</elem>\n<elem key=\"c\">inf</elem>\n"
        "<elem key=\"b\">-nan</elem>\n<elem key=\"a\">1e+100</elem>\n"
        "<elem key=\"g\">0.1</elem>\n<elem key=\"f\">-inf</elem>\n"
        "<elem key=\"h\">0.33333333333333</elem>\n<elem key=\"i\">7</elem>\n"
        "<elem key=\"j\">-9223372036854775808</elem>\n</script>",
        /* JSON keeps full precision; non-finite values become strings. */
        "{\"e\":9.223372036854776e+18,\"d\":-0.0,\"c\":\"inf\","
        "\"b\":\"-nan\",\"a\":1e+100,\"g\":0.1,\"f\":\"-inf\","
        "\"h\":0.3333333333333333,\"i\":7,\"j\":-9223372036854775808}");
  lua_close(L);
}

TEST(format_json_other_values) {
  lua_State *L = newstate();
  struct nsx_result r;
  capture(L, "return {f = print, u = io.stdout, c = coroutine.create(print)}",
          &r);
  ASSERT(strstr(r.json, "\"f\":\"function: ") != NULL);
  ASSERT(strstr(r.json, "\"u\":\"file (0x") != NULL);
  ASSERT(strstr(r.json, "\"c\":\"thread: 0x") != NULL);
  ASSERT(strstr(r.xml, "<elem key=\"u\">file (0x") != NULL);
  nsx_result_free(&r);
  check(L, "bin", "return {'\\xff\\xfe', 'ok\\xc3\\xa9'}",
        "| bin: \n|   \\xFF\\xFE\n|_  ok\\xC3\\xA9\n",
        "<script id=\"bin\" output=\"&#xa;  \\xFF\\xFE&#xa;  ok\\xC3\\xA9\">"
        "<elem>\\xFF\\xFE</elem>\n<elem>ok\\xC3\\xA9</elem>\n</script>",
        "[\"\\u00ff\\u00fe\",\"ok\xc3\xa9\"]");
  check(L, "nest", "return {{{}}, {{1}, {a = {true}}}}",
        "| nest: \n|   \n|     \n|   \n|     \n|       1\n|     \n"
        "|       a: \n|_        true\n",
        "<script id=\"nest\" output=\"&#xa;  &#xa;    &#xa;  &#xa;    &#xa;"
        "      1&#xa;    &#xa;      a: &#xa;        true\"><table>\n<table>\n"
        "</table>\n</table>\n<table>\n<table>\n<elem>1</elem>\n</table>\n"
        "<table>\n<table key=\"a\">\n<elem>true</elem>\n</table>\n</table>\n"
        "</table>\n</script>",
        "[[{}],[[1],{\"a\":[true]}]]");
  /* A shared table met twice is no cycle. */
  check(L, "shared", "local t = {1}; return ordered('x', t, 'y', t)",
        "| shared: \n|   x: \n|     1\n|   y: \n|_    1\n",
        "<script id=\"shared\" output=\"&#xa;  x: &#xa;    1&#xa;  y: &#xa;"
        "    1\"><table key=\"x\">\n<elem>1</elem>\n</table>\n<table "
        "key=\"y\">\n<elem>1</elem>\n</table>\n</script>",
        "{\"x\":[1],\"y\":[1]}");
  lua_close(L);
}

TEST(format_cycles) {
  lua_State *L = newstate();
  struct nsx_result r;
  capture(L, "local t = {}; t.self = t; return t", &r);
  /* Nmap loses the text (its formatter overflows the stack). */
  ASSERT_EQ_MEM(r.text, r.textlen, "");
  ASSERT(r.text_error && strstr(r.text_error, "contains itself"));
  ASSERT_EQ_STR(r.xml, "<elem key=\"self\">&lt;cycle&gt;</elem>\n");
  ASSERT_EQ_STR(r.json, "{\"self\":\"<cycle>\"}");
  ASSERT(r.tab_error == NULL);
  nsx_result_free(&r);
  capture(L, "local t = {}; t[1] = t; return t", &r);
  ASSERT_EQ_STR(r.xml, "<elem>&lt;cycle&gt;</elem>\n");
  ASSERT_EQ_STR(r.json, "[\"<cycle>\"]");
  nsx_result_free(&r);
  capture(L, "local a, b = {}, {}; a.b = b; b[1] = 'x'; b[2] = a; "
             "return a, 'text'", &r);
  ASSERT_EQ_STR(r.text, "text");
  ASSERT(r.text_error == NULL);
  ASSERT_EQ_STR(r.xml, "<table key=\"b\">\n<elem>x</elem>\n"
                       "<elem>&lt;cycle&gt;</elem>\n</table>\n");
  ASSERT_EQ_STR(r.json, "{\"b\":[\"x\",\"<cycle>\"]}");
  nsx_result_free(&r);
  /* Under __tostring the text does not descend, so no cycle there. */
  capture(L, "local t = setmetatable({}, {__tostring = function() "
             "return 'me' end}); t.self = t; return {t}", &r);
  ASSERT_EQ_STR(r.text, "\n  me");
  ASSERT_EQ_STR(r.json, "[{\"self\":\"<cycle>\"}]");
  nsx_result_free(&r);
  lua_close(L);
}

/* Count occurrences of 'needle' in 's'. */
static size_t occurrences(const char *s, const char *needle) {
  size_t n = 0;
  while ((s = strstr(s, needle)) != NULL) {
    n++;
    s += strlen(needle);
  }
  return n;
}

TEST(format_depth) {
  lua_State *L = newstate();
  struct nsx_result r;
  size_t i, depth = 0, maxdepth = 0;
  /* 300 levels, like the Nmap run: all of it is written. */
  capture(L, "local t = {'leaf'}; for i = 1, 300 do t = {t} end; return t", &r);
  ASSERT(r.text_error == NULL && r.tab_error == NULL);
  ASSERT_EQ_INT(occurrences(r.xml, "<table>\n"), 300);
  ASSERT_EQ_INT(occurrences(r.xml, "</table>\n"), 300);
  ASSERT(strstr(r.xml, "<elem>leaf</elem>") != NULL);
  ASSERT_EQ_INT(r.textlen, 300 * 301 + 301 + 2 * 301 + 4);
  ASSERT(memcmp(r.text + r.textlen - 5, " leaf", 5) == 0);
  nsx_result_free(&r);
  /* Past the limit: no text, a marker in the structure, still balanced. */
  capture(L, "local t = {'leaf'}; for i = 1, 1500 do t = {t} end; return t",
          &r);
  ASSERT_EQ_INT(r.textlen, 0);
  ASSERT(r.text_error && strstr(r.text_error, "nested"));
  ASSERT(r.tab_error == NULL);
  ASSERT_EQ_INT(occurrences(r.xml, "<table>\n"), NSX_RESULT_MAXDEPTH);
  ASSERT_EQ_INT(occurrences(r.xml, "</table>\n"), NSX_RESULT_MAXDEPTH);
  ASSERT_EQ_INT(occurrences(r.xml, "&lt;too deep&gt;"), 1);
  ASSERT_EQ_INT(occurrences(r.json, "\"<too deep>\""), 1);
  for (i = 0; i < r.jsonlen; i++) {
    if (r.json[i] == '[') depth++;
    if (r.json[i] == ']') depth--;
    if (depth > maxdepth) maxdepth = depth;
  }
  ASSERT_EQ_INT(depth, 0);
  ASSERT_EQ_INT(maxdepth, NSX_RESULT_MAXDEPTH + 1);
  nsx_result_free(&r);
  lua_close(L);
}

TEST(format_errors_in_metamethods) {
  lua_State *L = newstate();
  struct nsx_result r;
  /* __pairs raising: Nmap prints "Bug in" and output="" with no children. */
  capture(L, "return setmetatable({x = 1}, {__pairs = function() "
             "error('boom') end})", &r);
  ASSERT(r.stored && r.has_tab);
  ASSERT_EQ_MEM(r.text, r.textlen, "");
  ASSERT(r.text_error && strstr(r.text_error, "boom"));
  ASSERT_EQ_MEM(r.xml, r.xmllen, "");
  ASSERT_EQ_STR(r.json, "null");
  ASSERT(r.tab_error && strstr(r.tab_error, "boom"));
  nsx_result_free(&r);
  /* __tostring raising: the text is lost, the XML is whole. */
  capture(L, "return setmetatable({x = 1}, {__tostring = function() "
             "error('tsboom') end})", &r);
  ASSERT_EQ_MEM(r.text, r.textlen, "");
  ASSERT(r.text_error && strstr(r.text_error, "tsboom"));
  ASSERT_EQ_STR(r.xml, "<elem key=\"x\">1</elem>\n");
  ASSERT_EQ_STR(r.json, "{\"x\":1}");
  ASSERT(r.tab_error == NULL);
  nsx_result_free(&r);
  /* An element's __tostring: text lost; XML ignores it for tables. */
  capture(L, "return {setmetatable({}, {__tostring = function() "
             "error('elemts') end}), x = 'y'}", &r);
  ASSERT(r.text_error && strstr(r.text_error, "elemts"));
  ASSERT_EQ_STR(r.xml, "<table>\n</table>\n<elem key=\"x\">y</elem>\n");
  nsx_result_free(&r);
  /* Failing midway: what came before stays, open tables are closed. */
  capture(L, "local bad = setmetatable({z = 1}, {__pairs = function() "
             "error('inner') end})\n"
             "return {{'one', bad, 'three'}, k = 'v'}", &r);
  ASSERT(r.text_error && strstr(r.text_error, "inner"));
  ASSERT(r.tab_error && strstr(r.tab_error, "inner"));
  ASSERT_EQ_STR(r.xml, "<table>\n<elem>one</elem>\n</table>\n");
  ASSERT_EQ_STR(r.json, "{\"1\":[\"one\"]}");
  nsx_result_free(&r);
  capture(L, "return ordered('a', 1, 'b', setmetatable({}, {__index = "
             "function() error('idx') end}), 'c', 3)", &r);
  ASSERT_EQ_STR(r.xml, "<elem key=\"a\">1</elem>\n");
  ASSERT_EQ_STR(r.json, "{\"a\":1}");
  nsx_result_free(&r);
  /* __index failing inside the structure. */
  capture(L, "local u = setmetatable({}, {__index = function() "
             "error('no') end}); return {1, u}", &r);
  ASSERT_EQ_STR(r.json, "[1]");
  nsx_result_free(&r);
  /* __pairs returning nothing callable, and a non-string error object. */
  capture(L, "return setmetatable({a = 1}, {__pairs = function() "
             "return nil end})", &r);
  ASSERT(r.text_error && strstr(r.text_error, "call"));
  nsx_result_free(&r);
  capture(L, "return setmetatable({a = 1}, {__pairs = function() "
             "error({}) end})", &r);
  ASSERT_EQ_STR(r.text_error, "(error object is a table value)");
  ASSERT_EQ_STR(r.tab_error, "(error object is a table value)");
  nsx_result_free(&r);
  /* XML ignores a table's __tostring even when it would fail. */
  capture(L, "return setmetatable({}, {__tostring = "
             "function() error('s') end}), 'text'", &r);
  ASSERT_EQ_STR(r.text, "text");
  ASSERT_EQ_STR(r.json, "{}");
  ASSERT(r.tab_error == NULL);
  nsx_result_free(&r);
  /* A scalar (a userdata) whose tostring fails. */
  capture(L, "getmetatable(io.stdout).__tostring = function() "
             "error('ud') end; return io.stdout, 'text'", &r);
  ASSERT_EQ_STR(r.text, "text");
  ASSERT(r.has_tab);
  ASSERT_EQ_MEM(r.xml, r.xmllen, "");
  ASSERT_EQ_STR(r.json, "null");
  ASSERT(r.tab_error && strstr(r.tab_error, "ud"));
  nsx_result_free(&r);
  lua_close(L);
}

TEST(format_error_in_second_value) {
  lua_State *L = newstate();
  struct nsx_result r;
  int top = lua_gettop(L);
  /* Nmap aborts its engine here; we report it to the caller. */
  ASSERT_EQ_INT(run(L, "return {y = 2}, setmetatable({}, {__tostring = "
                       "function() error('r2boom') end})", &r),
                LUA_ERRRUN);
  ASSERT(strstr(lua_tostring(L, -1), "r2boom") != NULL);
  ASSERT(!r.stored && !r.text && !r.xml && !r.json);
  lua_pop(L, 1);
  ASSERT_EQ_INT(lua_gettop(L), top);
  nsx_result_free(&r);
  lua_close(L);
}

/* Message handler adding a traceback. [-0, +1, m] */
static int traceback(lua_State *L) {
  luaL_traceback(L, L, lua_tostring(L, 1), 1);
  return 1;
}

TEST(format_pcapture_msgh) {
  lua_State *L = newstate();
  struct nsx_result r;
  int st;
  lua_pushcfunction(L, traceback);
  ASSERT_EQ_INT(luaL_dostring(L, "return nil, setmetatable({}, {__tostring "
                                 "= function() error('tb') end})"), LUA_OK);
  st = nsx_result_pcapture(L, 2, &r, 1);
  ASSERT_EQ_INT(st, LUA_ERRRUN);
  ASSERT(strstr(lua_tostring(L, -1), "stack traceback") != NULL);
  ASSERT_EQ_INT(lua_gettop(L), 2);
  lua_pop(L, 2);
  /* Values below the ones captured are left alone. */
  lua_pushliteral(L, "below");
  ASSERT_EQ_INT(luaL_dostring(L, "return 'x', nil, 3, 4"), LUA_OK);
  ASSERT_EQ_INT(nsx_result_pcapture(L, 4, &r, 0), LUA_OK);
  ASSERT_EQ_STR(r.text, "x");
  ASSERT_EQ_INT(lua_gettop(L), 1);
  ASSERT_EQ_STR(lua_tostring(L, 1), "below");
  nsx_result_free(&r);
  nsx_result_free(&r);
  lua_close(L);
}

static struct nsx_result direct;

/* lua_CFunction: capture all its arguments into 'direct', return the
 * stack height left. [-0, +1, e] */
static int call_capture(lua_State *L) {
  nsx_result_capture(L, lua_gettop(L), &direct);
  lua_pushinteger(L, lua_gettop(L));
  return 1;
}

TEST(format_capture_direct) {
  lua_State *L = newstate();
  lua_pushcfunction(L, call_capture);
  ASSERT_EQ_INT(luaL_dostring(L, "return ordered('a', 1), 'txt'"), LUA_OK);
  ASSERT_EQ_INT(lua_pcall(L, 2, 1, 0), LUA_OK);
  ASSERT_EQ_INT(lua_tointeger(L, -1), 0);
  ASSERT_EQ_STR(direct.text, "txt");
  ASSERT_EQ_STR(direct.xml, "<elem key=\"a\">1</elem>\n");
  ASSERT_EQ_STR(direct.json, "{\"a\":1}");
  nsx_result_free(&direct);
  lua_close(L);
}

TEST(format_items_limit) {
  lua_State *L = newstate();
  struct nsx_result r;
  /* A sequence without end would hang Nmap; here it is cut off. */
  capture(L, "return setmetatable({}, {__index = function(t, i) "
             "return i end})", &r);
  ASSERT_EQ_INT(r.textlen, 0);
  ASSERT(r.text_error && strstr(r.text_error, "entries"));
  ASSERT(r.tab_error && strstr(r.tab_error, "entries"));
  ASSERT_EQ_STR(r.json, "null");
  nsx_result_free(&r);
  lua_close(L);
}

/* Fault injection: a Lua allocator that fails from the Nth allocation on
 * (Lua retries a failed one after a full collection). */
static long alloc_count, alloc_fail_at;

static void *failing_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  if (alloc_fail_at > 0 && ++alloc_count >= alloc_fail_at) return NULL;
  return realloc(ptr, nsize);
}

TEST(format_alloc_failures) {
  long n;
  for (n = 1;; n++) {
    lua_State *L = lua_newstate(failing_alloc, NULL);
    struct nsx_result r;
    int st;
    ASSERT(L != NULL);
    luaL_openlibs(L);
    ASSERT_EQ_INT(luaL_dostring(L, prelude), LUA_OK);
    ASSERT_EQ_INT(luaL_dostring(L,
                                "local o = otable(); o.a = {1, {b = 'x'}}; "
                                "o.c = setmetatable({}, {__tostring = "
                                "function() return 'c' end}); return o"),
                  LUA_OK);
    alloc_count = 0;
    alloc_fail_at = n;
    st = nsx_result_pcapture(L, 1, &r, 0);
    alloc_fail_at = 0;
    if (st == LUA_OK) {
      ASSERT_EQ_STR(r.text, "\n  a: \n    1\n    \n      b: x\n  c: c");
      ASSERT_EQ_STR(r.json, "{\"a\":[1,{\"b\":\"x\"}],\"c\":{}}");
      nsx_result_free(&r);
      lua_close(L);
      break;
    }
    ASSERT(st == LUA_ERRMEM || st == LUA_ERRRUN);
    ASSERT(!r.text && !r.xml && !r.json);
    ASSERT_EQ_INT(lua_gettop(L), 1);
    lua_close(L);
    ASSERT(n < 10000);
  }
  ASSERT(n > 1);
}
