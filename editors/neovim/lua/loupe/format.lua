-- Loupe's answers as text lines: a run's rows, a model's gems, a column's
-- lineage. Plain functions of the server's JSON (no editor state), so that
-- every Neovim from 0.7 on draws the same thing.
local M = {}

local function width(s)
  return vim.fn.strdisplaywidth(s)
end

local function pad(s, n)
  return s .. string.rep(' ', n - width(s))
end

local function cell(value)
  if value == nil or value == vim.NIL then
    return 'NULL'
  end
  return tostring(value)
end

--- A run's rows as aligned lines: a title, then each column's name and engine
--- type (the header), a rule, the rows, and a summary.
---   title: what ran (shown above the table), may be nil
function M.rows(result, title)
  local columns = result.columns or {}
  local cells = {}
  for _, row in ipairs(result.rows or {}) do
    local line = {}
    for i = 1, #columns do
      line[i] = cell(row[i])
    end
    table.insert(cells, line)
  end
  local widths = {}
  for i, column in ipairs(columns) do
    widths[i] = math.max(width(column[1]), width(column[2]))
    for _, line in ipairs(cells) do
      widths[i] = math.max(widths[i], width(line[i]))
    end
  end
  local function join(values)
    local out = {}
    for i, v in ipairs(values) do
      out[i] = pad(v, widths[i])
    end
    -- No trailing blanks after the last column.
    return (table.concat(out, ' | '):gsub('%s+$', ''))
  end
  local names, types, rule = {}, {}, {}
  for i, column in ipairs(columns) do
    names[i], types[i], rule[i] = column[1], column[2], string.rep('-', widths[i])
  end
  local lines = {}
  if title then
    table.insert(lines, title)
  end
  table.insert(lines, join(names))
  table.insert(lines, join(types))
  table.insert(lines, (table.concat(rule, '-+-')))
  for _, line in ipairs(cells) do
    table.insert(lines, join(line))
  end
  local more = result.truncated and ' (more exist)' or ''
  table.insert(lines, string.format('%d rows%s in %.0f ms', #cells, more, result.elapsed_ms or 0))
  return lines
end

--- The model of `file` (relative to the project root) in a `loupe/graph`
--- answer, else nil.
function M.find_model(graph, file)
  for _, model in ipairs(graph.models or {}) do
    if model.file == file then
      return model
    end
  end
  return nil
end

--- A model's gems drawn as boxes, in the order they run, each with its kind,
--- its inputs and its output schema (names and types); an arrow joins a gem
--- to the next one when that one reads it. Above: what the model reads;
--- below: what reads the model.
function M.graph(graph, model)
  local lines = {}
  local reads, feeds = {}, {}
  for _, edge in ipairs(graph.edges or {}) do
    if edge.to == model.name then
      table.insert(reads, edge.from)
    end
    if edge.from == model.name then
      table.insert(feeds, edge.to)
    end
  end
  table.insert(lines, string.format('%s  (%s)', model.name, model.file or ''))
  table.insert(lines, 'reads: ' .. (#reads > 0 and table.concat(reads, ', ') or '-'))
  table.insert(lines, '')
  local gems = model.gems or {}
  for index, gem in ipairs(gems) do
    local final = index == #gems
    local title = string.format(' %s · %s%s ', gem.name, gem.kind, final and ' · output' or '')
    local body = {}
    local inputs = gem.inputs or {}
    table.insert(body, 'from ' .. (#inputs > 0 and table.concat(inputs, ', ') or '-'))
    local columns = (gem.output and gem.output.columns) or {}
    local name_width = 0
    for _, column in ipairs(columns) do
      name_width = math.max(name_width, width(column.name))
    end
    for _, column in ipairs(columns) do
      table.insert(body, pad(column.name, name_width) .. '  ' .. column.type)
    end
    if gem.output and gem.output.complete == false then
      table.insert(body, '… and columns Loupe cannot know')
    end
    local inner = width(title) + 2
    for _, line in ipairs(body) do
      inner = math.max(inner, width(line) + 2)
    end
    table.insert(lines, '┌─' .. title .. string.rep('─', inner - width(title) - 1) .. '┐')
    for i, line in ipairs(body) do
      table.insert(lines, '│ ' .. pad(line, inner - 1) .. '│')
      if i == 1 then
        table.insert(lines, '├' .. string.rep('─', inner) .. '┤')
      end
    end
    table.insert(lines, '└' .. string.rep('─', inner) .. '┘')
    local next_gem = gems[index + 1]
    local joined = false
    for _, input in ipairs((next_gem and next_gem.inputs) or {}) do
      joined = joined or input == gem.name
    end
    if joined then
      table.insert(lines, '    │')
      table.insert(lines, '    ▼')
    elseif next_gem then
      table.insert(lines, '')
    end
  end
  table.insert(lines, '')
  if #feeds == 0 then
    table.insert(lines, 'feeds: -')
  end
  -- A long list of readers wraps at 78 columns.
  local line = 'feeds:'
  for i, name in ipairs(feeds) do
    local piece = ' ' .. name .. (i < #feeds and ',' or '')
    if width(line) + width(piece) > 78 and line ~= 'feeds:' then
      table.insert(lines, line)
      line = '      '
    end
    line = line .. piece
  end
  if #feeds > 0 then
    table.insert(lines, line)
  end
  return lines
end

local function node_name(node)
  local parts = { node.relation }
  if node.gem and node.gem ~= vim.NIL then
    table.insert(parts, node.gem)
  end
  table.insert(parts, node.column)
  return table.concat(parts, '.')
end

--- A `loupe/impact` answer as quickfix items: each change at the gem that
--- makes it, then the uses downstream it breaks (or reaches). `root_dir`
--- makes the files absolute.
function M.impact_items(impact, root_dir)
  local items = {}
  local function at(place, text, kind)
    local item = { text = text, type = kind }
    if place and place ~= vim.NIL then
      item.filename = root_dir and (root_dir .. '/' .. place.file) or place.file
      item.lnum = place.start.line
      item.col = place.start.col
    end
    table.insert(items, item)
  end
  for _, i in ipairs(impact.impacts or {}) do
    at(i.at, i.message, i.breaking and 'E' or 'I')
    for _, u in ipairs(i.uses or {}) do
      local gem = (u.place.gem and u.place.gem ~= vim.NIL) and (' (gem ' .. u.place.gem .. ')') or ''
      at(u.place, string.format('  %s %s%s', u.breaks and 'breaks' or 'reads it in', u.model, gem), u.breaks and 'E' or 'I')
    end
  end
  if #items == 0 then
    local downstream = impact.downstreamModels or {}
    table.insert(items, { text = string.format('no breaking change; %d downstream models', #downstream) })
  end
  return items
end

--- A `loupe/lineage` answer as quickfix items, nearest first: the column
--- itself, then each column it comes from (upstream) or feeds (downstream),
--- with the kind of each step. `root_dir` makes the files absolute.
function M.lineage_items(lineage, direction, root_dir)
  local nodes = lineage.nodes or {}
  local upstream = direction ~= 'downstream'
  -- Breadth first from the root, along edges in the asked direction.
  local next_of = {}
  for _, edge in ipairs(lineage.edges or {}) do
    local here, there = edge.to, edge.from
    if not upstream then
      here, there = edge.from, edge.to
    end
    next_of[here] = next_of[here] or {}
    table.insert(next_of[here], { node = there, kind = edge.kind })
  end
  local items, seen, queue = {}, {}, { { node = lineage.root or 0, depth = 0 } }
  while #queue > 0 do
    local step = table.remove(queue, 1)
    if not seen[step.node] then
      seen[step.node] = true
      local node = nodes[step.node + 1]
      if node then
        local arrow = upstream and '←' or '→'
        local text
        if step.depth == 0 then
          text = string.format('%s (%s)', node_name(node), upstream and 'where it comes from' or 'what it feeds')
        else
          text = string.format('%s%s %s (%s)', string.rep('  ', step.depth - 1), arrow, node_name(node), step.kind)
        end
        local item = { text = text }
        local file = node.file ~= vim.NIL and node.file or nil
        if file then
          item.filename = (file:sub(1, 1) == '/' or not root_dir) and file or (root_dir .. '/' .. file)
          item.lnum = (node.line ~= vim.NIL and node.line) or 1
          item.col = 1
        else
          item.valid = 0
        end
        table.insert(items, item)
      end
      for _, n in ipairs(next_of[step.node] or {}) do
        table.insert(queue, { node = n.node, depth = step.depth + 1, kind = n.kind })
      end
    end
  end
  return items
end

--- One line for a fabric of `loupe/fabrics` in the picker.
function M.fabric_item(detail, selected)
  local mark = detail.name == selected and '* ' or '  '
  return string.format('%s%s (%s): %s', mark, detail.name, detail.kind or '?', detail.status or '')
end

return M
