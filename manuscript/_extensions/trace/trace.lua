-- Traceable numbers: each span `qct-var` (a manuscript variable, with attribute `key`) gets its
-- origin from the sidecar `_trace.json` written by the numbers step (analysis/trace.py).
--
-- HTML: the number becomes focusable (tabindex 0) and linkable (id "n-<key>", then
-- "n-<key>-2"... for later uses of the same variable); an origin box (role tooltip, tied by
-- aria-describedby) shows on hover, keyboard focus or when the link is followed: the variable,
-- the results paths it was computed from with their n and the analysis function, any published
-- value addressing them and whether it was reproduced, the claims of the paper resting on them
-- and whether each holds, and the function that formatted it. A number whose results no scored
-- printed value or claim addresses gets the sidecar's note and a dashed underline
-- (class qct-unchecked) instead of a dotted one. A button switches all of it off for a clean
-- reading view. Other formats (the PDF): the span is unwrapped and nothing is added. Without a
-- sidecar the spans are unwrapped in every format.
--
-- The spans are written by the shortcode expansion that both renderers share
-- (analysis/render/trace.py); Quarto runs this filter through the extension, the fallback
-- through pandoc's --lua-filter, so both print the same annotations.

local TRACE_FILE = "_trace.json"
local TABLE_PREFIX = "table."  -- a generated table cell's key (analysis/trace.py TABLE_PREFIX)

local STYLE = [[
<style>
.qct-var { position: relative; border-bottom: 1px dotted #5a6b7b; cursor: help; }
.qct-unchecked { border-bottom-style: dashed; border-bottom-color: #9a4a1c; }
.qct-var:focus { outline: 2px solid #1f5f99; outline-offset: 1px; }
.qct-var:target { background: #fff3c4; }
.qct-origin { display: none; position: absolute; left: 0; top: 1.4em; z-index: 20;
  width: 34em; max-width: 80vw; max-height: 22em; overflow: auto; padding: .5em .7em;
  background: #fdfdfd; color: #1b1b1b; border: 1px solid #5a6b7b; border-radius: 4px;
  box-shadow: 0 2px 8px rgba(0,0,0,.18); font-size: .8rem; line-height: 1.35;
  font-weight: normal; font-style: normal; text-align: left; white-space: normal; }
.qct-origin > span { display: block; margin: .15em 0; }
.qct-origin code { font-size: .95em; word-break: break-all; }
/* In a table (a sideways-scrolling box that would clip it) the box is placed by the script. */
:is(td, th) .qct-origin { position: fixed; }
.qct-var:hover > .qct-origin, .qct-var:focus > .qct-origin,
.qct-var:focus-within > .qct-origin, .qct-var:target > .qct-origin { display: block; }
.qct-trace-toggle { position: fixed; top: .6em; right: .6em; z-index: 30; font-size: .8rem;
  padding: .3em .6em; border: 1px solid #5a6b7b; border-radius: 4px; background: #fff;
  cursor: pointer; }
.qct-trace-toggle:focus { outline: 2px solid #1f5f99; }
.qct-trace-off .qct-var { border-bottom: 0; cursor: auto; }
.qct-trace-off .qct-var:focus { outline: none; }
.qct-trace-off .qct-var:target { background: none; }
.qct-trace-off .qct-origin { display: none !important; }
@media print {
  .qct-origin, .qct-trace-toggle { display: none !important; }
  .qct-var { border-bottom: 0; }
}
</style>
<button type="button" class="qct-trace-toggle" aria-pressed="true">Number origins: shown</button>
]]

-- The script comes first in the body (with the style), and runs once the page is parsed: a raw
-- block appended at the end of the document cost Quarto's HTML render ~5 s.
local SCRIPT = [[
<script>
document.addEventListener("DOMContentLoaded", function () {
  var root = document.documentElement;
  var button = document.querySelector(".qct-trace-toggle");
  function apply(shown) {
    root.classList.toggle("qct-trace-off", !shown);
    button.setAttribute("aria-pressed", shown ? "true" : "false");
    button.textContent = "Number origins: " + (shown ? "shown" : "hidden");
    document.querySelectorAll(".qct-var").forEach(function (el) {
      el.setAttribute("tabindex", shown ? "0" : "-1");
    });
    try { localStorage.setItem("qct-trace", shown ? "shown" : "hidden"); } catch (e) {}
  }
  button.addEventListener("click", function () {
    apply(root.classList.contains("qct-trace-off"));
  });
  // A table cell's box is fixed to the window, under its number (above it near the bottom).
  function place(el) {
    var box = el && el.closest("td, th") && el.querySelector(".qct-origin");
    if (!box) return;
    var at = el.getBoundingClientRect(), size = box.getBoundingClientRect();
    var left = Math.min(at.left, window.innerWidth - size.width - 8);
    var below = at.bottom + size.height + 4 <= window.innerHeight;
    box.style.left = Math.max(8, left) + "px";
    box.style.top = (below ? at.bottom + 4 : Math.max(8, at.top - size.height - 4)) + "px";
  }
  function placeFrom(e) { place(e.target.closest && e.target.closest(".qct-var")); }
  document.addEventListener("mouseover", placeFrom);
  document.addEventListener("focusin", placeFrom);
  document.addEventListener("scroll", function () {
    document.querySelectorAll(":is(td, th) .qct-var:is(:hover, :focus, :focus-within, :target)")
      .forEach(place);
  }, {capture: true, passive: true});
  function placeTarget() {
    place(location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null);
  }
  window.addEventListener("hashchange", placeTarget);
  window.addEventListener("load", placeTarget);
  var stored = null;
  try { stored = localStorage.getItem("qct-trace"); } catch (e) {}
  apply(stored !== "hidden" && location.search.indexOf("clean") < 0);
});
</script>
]]

local function project_dir()
  if quarto ~= nil and quarto.project ~= nil and quarto.project.directory ~= nil then
    return quarto.project.directory
  end
  return "."
end

local function read_trace()
  local path = pandoc.path.join({project_dir(), TRACE_FILE})
  local file = io.open(path, "r")
  if file == nil then
    return nil
  end
  local text = file:read("a")
  file:close()
  return pandoc.json.decode(text, false)
end

local trace = read_trace()
local is_html = FORMAT:match("html") ~= nil
local seen = {}   -- uses per variable key, for unique ids
local marked = 0  -- spans annotated

-- The box is written as one raw HTML string rather than pandoc elements: Quarto's filters that
-- run after this one walk every element, and ~450 boxes of ~15 elements each cost them about
-- as much as the rest of the HTML render.
local ESCAPES = {["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;", ['"'] = "&quot;"}

local function esc(text)
  return (tostring(text):gsub('[&<>"]', ESCAPES))
end

local function code(text)
  return "<code>" .. esc(text) .. "</code>"
end

local function line(html)
  return "<span>" .. html .. "</span>"
end

local function published_text(rows)
  local parts = {}
  for _, row in ipairs(rows) do
    local verdict = row.match and "reproduced" or "not reproduced"
    parts[#parts + 1] = "published " .. esc(row.id) .. ": printed " .. code(row.printed) ..
      ", rebuilt " .. code(row.reproduced) .. " (" .. verdict .. ")"
  end
  return table.concat(parts, "; ")
end

local function stated_text(claims)
  local parts = {}
  for _, claim in ipairs(claims) do
    parts[#parts + 1] = "claim " .. code(claim.id) .. " (" .. esc(claim.location) .. "), " ..
      (claim.holds and "holds" or "does not hold")
  end
  return "Stated in the paper: " .. table.concat(parts, "; ")
end

-- The classes of a number's span: a dashed underline (qct-unchecked) where nothing checks it.
local function span_classes(entry)
  return entry.unchecked ~= nil and {"qct-var", "qct-unchecked"} or {"qct-var"}
end

local function origin_box(key, entry, anchor, box_id)
  local what = key:sub(1, #TABLE_PREFIX) == TABLE_PREFIX and "Table cell " or "Variable "
  local lines = {
    line(what .. code(key) .. ' <a href="#' .. esc(anchor) ..
         '" aria-label="link to this number">(link)</a>'),
  }
  if #entry.results == 0 then
    lines[#lines + 1] = line("Not computed from the results.")
  end
  for _, source in ipairs(entry.results) do
    local row = "From " .. code(source.path)
    if source.n ~= nil then
      row = row .. " (n = " .. tostring(math.tointeger(source.n) or source.n) .. ")"
    end
    row = row .. ", computed by " .. code(source.computed_by)
    if source.test ~= nil then row = row .. " (" .. esc(source.test) .. " test)" end
    if source.published ~= nil then
      row = row .. ". " .. published_text(source.published)
    end
    if source.claims ~= nil then
      row = row .. ". " .. stated_text(source.claims)
    end
    lines[#lines + 1] = line(row)
  end
  if entry.unchecked ~= nil then
    lines[#lines + 1] = line(esc(entry.unchecked))
  end
  lines[#lines + 1] = line("Formatted by " .. code(entry.formatted_by))
  return '<span id="' .. esc(box_id) .. '" class="qct-origin" role="tooltip">' ..
    table.concat(lines) .. "</span>"
end

-- The next id for a use of variable `key`, its origin box's id and the box itself.
local function annotation(key)
  local entry = trace[key]
  if entry == nil then
    error("trace.lua: variable '" .. tostring(key) .. "' has no origin in " .. TRACE_FILE ..
          " (rebuild the numbers step)")
  end
  seen[key] = (seen[key] or 0) + 1
  local anchor = entry.anchor
  if seen[key] > 1 then anchor = anchor .. "-" .. seen[key] end
  marked = marked + 1
  local box_id = "qct-origin-" .. marked
  return entry, anchor, box_id, origin_box(key, entry, anchor, box_id)
end

function Span(el)
  local key = el.attributes["key"]
  if not el.classes:includes("qct-var") or key == nil then
    return nil  -- not a marked variable (or one already annotated)
  end
  if trace == nil or not is_html then
    return el.content
  end
  local entry, anchor, box_id, box = annotation(key)
  local content = pandoc.Inlines(el.content)
  local before, after = pandoc.Inlines({}), pandoc.Inlines({})  -- spaces stay outside
  while #content > 0 and content[1].t == "Space" do before:insert(content:remove(1)) end
  while #content > 0 and content[#content].t == "Space" do after:insert(content:remove()) end
  -- Punctuation Quarto resolved together with a shortcode in the abstract ("18," from
  -- "{{< var x >}},") goes outside, so that only the number is marked.
  local text = pandoc.utils.stringify(content)
  local last = content[#content]
  if #text > #entry.text and text:sub(1, #entry.text) == entry.text and last ~= nil
      and last.t == "Str" then
    local extra = text:sub(#entry.text + 1)
    if last.text:sub(-#extra) == extra then
      content[#content] = pandoc.Str(last.text:sub(1, -#extra - 1))
      after:insert(1, pandoc.Str(extra))
    end
  end
  content:insert(pandoc.RawInline("html", box))
  -- Attributes as an ordered list: a Lua table's iteration order differs from run to run,
  -- and the HTML must be byte-identical on every rebuild.
  before:insert(pandoc.Span(content, pandoc.Attr(anchor, span_classes(entry),
    {{"data-key", key}, {"aria-describedby", box_id}, {"tabindex", "0"}})))
  before:extend(after)
  return before
end

-- Marks inside raw HTML (the full scorecard, analysis/marks.py html_span) get the same
-- attributes and box; without a sidecar they are left as plain spans.
local RAW_MARK = '<span class="qct%-var" data%-key="([^"]+)">(.-)</span>'

function RawBlock(el)
  if trace == nil or not is_html or el.format ~= "html"
      or not el.text:find('class="qct-var"', 1, true) then
    return nil
  end
  el.text = el.text:gsub(RAW_MARK, function(key, markup)
    local entry, anchor, box_id, box = annotation(key)
    local classes = table.concat(span_classes(entry), " ")
    return '<span id="' .. esc(anchor) .. '" class="' .. classes .. '" data-key="' .. esc(key) ..
      '" aria-describedby="' .. box_id .. '" tabindex="0">' .. markup .. box .. "</span>"
  end)
  return el
end

-- One pass over the whole document, metadata included, the same under Quarto and pandoc. The
-- expansion marks only the metadata fields it lists (MARKED_FIELDS: the abstract); the others
-- (title, date) reach Quarto as plain text.
function Pandoc(doc)
  for name, value in pairs(doc.meta) do
    local kind = pandoc.utils.type(value)
    if kind == "Inlines" or kind == "Blocks" then
      doc.meta[name] = value:walk({Span = Span})
    end
  end
  doc.blocks = doc.blocks:walk({Span = Span, RawBlock = RawBlock})
  if marked > 0 then
    doc.blocks:insert(1, pandoc.RawBlock("html", STYLE .. SCRIPT))
  end
  return doc
end

return {{Pandoc = Pandoc}}
