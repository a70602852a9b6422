-- Quarto only: wrap each `{{< var key >}}` shortcode in a span `qct-var` with attribute
-- `key`, before the shortcode is resolved, so that trace.lua can find the number's origin.
-- The fallback renderer writes the same span itself (analysis/render/shortcodes.py).

-- In the body, Quarto has parsed the shortcode into a span of its own.
local function mark(el)
  if not el.classes:includes("quarto-shortcode__") then
    return nil
  end
  local params = el.content:filter(function(p) return p.t == "Span" end)
  if #params ~= 2 or params[1].attributes["data-value"] ~= "var" then
    return nil
  end
  return pandoc.Span({el}, {class = "qct-var", key = params[2].attributes["data-value"]})
end

-- In metadata (the abstract) the shortcode is still words: `{{<` `var` key `>}}`, which
-- Quarto resolves later wherever they stand; the span keeps them together, with any
-- punctuation written against them ("({{<", ">}},"), which Quarto needs in the same word.
local OPEN, CLOSE = "{{<", ">}}"

local function mark_words(inlines)
  local out = pandoc.Inlines({})
  local i = 1
  while i <= #inlines do
    local words, j = {}, i
    while #words < 4 and j <= #inlines and (inlines[j].t == "Str" or inlines[j].t == "Space") do
      if inlines[j].t == "Str" then words[#words + 1] = inlines[j].text end
      j = j + 1
    end
    if #words == 4 and words[1]:sub(-#OPEN) == OPEN and words[2] == "var"
        and words[4]:sub(1, #CLOSE) == CLOSE then
      local shortcode = pandoc.Inlines({})
      for k = i, j - 1 do shortcode:insert(inlines[k]) end
      out:insert(pandoc.Span(shortcode, {class = "qct-var", key = words[3]}))
      i = j
    else
      out:insert(inlines[i])
      i = i + 1
    end
  end
  return out
end

-- Only the abstract: other metadata (the date) must stay plain for Quarto to read it.
function Pandoc(doc)
  if doc.meta.abstract ~= nil then
    doc.meta.abstract = doc.meta.abstract:walk({Inlines = mark_words})
  end
  doc.blocks = doc.blocks:walk({Span = mark})
  return doc
end

return {{Pandoc = Pandoc}}
