-- Drives Loupe from a real Neovim through the plugin in editors/neovim:
-- diagnostics, hover, completion, a quick fix, YAML in the project (and not
-- outside it), then the plugin's commands: :LoupeRun (rows with types, the
-- progress, :LoupeCancel), :LoupeLineage, :LoupeCompiled, :LoupeGraph and
-- :LoupeFabric. Each step's outcome, error and time go to $LOUPE_OUT as JSON.
local plugin = os.getenv('LOUPE_PLUGIN')
local root = os.getenv('LOUPE_FIXTURE')
local bin = os.getenv('LOUPE_BIN')
local fabric = os.getenv('LOUPE_FABRIC') == '1'
local out = { errors = {}, timings = {} }

local notes = {}
vim.notify = function(message, level)
  table.insert(notes, { message = message, level = level })
end

local function finish()
  local f = io.open(os.getenv('LOUPE_OUT'), 'w')
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd('qall!')
end

local function step(name, fn)
  local start = vim.loop.hrtime()
  local ok, err = pcall(fn)
  out.timings[name] = math.floor((vim.loop.hrtime() - start) / 1e6)
  if not ok then
    out.errors[name] = tostring(err)
  end
end

local function wait(ms, ready, what)
  if not vim.wait(ms, ready, 20) then
    error('timed out waiting for ' .. what)
  end
end

local function lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

local function open(path)
  vim.cmd('edit ' .. root .. '/' .. path)
  return vim.api.nvim_get_current_buf()
end

local v = vim.version()
out.version = string.format('%d.%d.%d', v.major, v.minor, v.patch)
vim.opt.runtimepath:prepend(plugin)
vim.cmd('filetype on')
vim.cmd('runtime! plugin/loupe.lua')
local loupe = require('loupe')
-- Quiet echoes: headless Neovim has no screen to show them on.
loupe.config.progress = false

step('start', function()
  if vim.fn.has('nvim-0.11') == 1 and os.getenv('LOUPE_SETUP') ~= '1' then
    -- The modern way: lsp/loupe.lua on 'runtimepath', then enable it.
    vim.lsp.config('loupe', { cmd = { bin, 'lsp' } })
    vim.lsp.enable('loupe')
    out.mode = 'vim.lsp.enable'
  else
    loupe.setup({ cmd = { bin, 'lsp' }, progress = false })
    out.mode = 'setup'
  end
  out.commands = vim.fn.getcompletion('Loupe', 'command')
end)

local buf, d
step('diagnostics', function()
  buf = open('models/broken/l003_unqualified.sql')
  wait(30000, function()
    return loupe.buffer_client(buf) ~= nil and #vim.diagnostic.get(buf) > 0
  end, 'diagnostics')
  d = vim.diagnostic.get(buf)[1]
  out.diagnostic_code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  out.diagnostic_line = d.lnum
  out.root_dir = loupe.buffer_client(buf).config.root_dir
  -- The server's process id, for the test to clean up after a stuck run.
  local pid = vim.fn.getpid()
  local children = io.open(string.format('/proc/%d/task/%d/children', pid, pid))
  out.server_pids = {}
  if children then
    for child in children:read('*a'):gmatch('%d+') do
      table.insert(out.server_pids, tonumber(child))
    end
    children:close()
  end
end)

step('hover', function()
  -- On `order_id` (line 3).
  vim.api.nvim_win_set_cursor(0, { 3, 5 })
  local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', vim.lsp.util.make_position_params(0, 'utf-16'), 10000)
  for _, r in pairs(hover or {}) do
    if r.result then
      out.hover = r.result.contents.value
    end
  end
end)

step('completion', function()
  -- At the start of line 4 (`amont`).
  vim.api.nvim_win_set_cursor(0, { 4, 4 })
  local completion = vim.lsp.buf_request_sync(buf, 'textDocument/completion', vim.lsp.util.make_position_params(0, 'utf-16'), 10000)
  out.completion = {}
  for _, r in pairs(completion or {}) do
    for _, item in ipairs((r.result and (r.result.items or r.result)) or {}) do
      table.insert(out.completion, item.label)
    end
  end
end)

step('quick fix', function()
  local range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } }
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = range,
    context = { diagnostics = { { range = range, code = out.diagnostic_code, message = d.message } } },
  }
  local actions = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 10000)
  for _, r in pairs(actions or {}) do
    for _, action in ipairs(r.result or {}) do
      -- Edits only: a command action (running a gem) changes no text.
      if action.edit and not out.action then
        out.action = action.title
        vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
      end
    end
  end
  out.fixed_line = vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1]
  -- The fixed text reaches the server: the diagnostic goes away.
  wait(10000, function()
    return #vim.diagnostic.get(buf) == 0
  end, 'the diagnostic to clear after the fix')
  out.diagnostics_after_fix = #vim.diagnostic.get(buf)
end)

step('yaml', function()
  local yaml = open('models/sources.yml')
  wait(10000, function()
    return loupe.buffer_client(yaml) ~= nil
  end, 'Loupe on the project YAML')
  out.yaml_attached = true
  vim.cmd('edit ' .. os.getenv('LOUPE_OUTSIDE'))
  local outside = vim.api.nvim_get_current_buf()
  out.outside_filetype = vim.bo[outside].filetype
  vim.wait(500)
  out.outside_attached = loupe.buffer_client(outside) ~= nil
end)

local stg
step('lineage up', function()
  stg = open('models/staging/stg_orders.sql')
  wait(10000, function()
    return loupe.buffer_client(stg) ~= nil
  end, 'Loupe on stg_orders')
  -- On `customer_id` of `user_id as customer_id` (line 8) in the gem `renamed`.
  vim.api.nvim_win_set_cursor(0, { 8, 24 })
  vim.fn.setqflist({}, ' ', { title = 'none yet' })
  vim.cmd('LoupeLineage up')
  wait(10000, function()
    return vim.fn.getqflist({ title = 0 }).title:find('^Loupe lineage') ~= nil
  end, 'the lineage in the quickfix list')
  out.lineage_up_title = vim.fn.getqflist({ title = 0 }).title
  out.lineage_up = {}
  for _, item in ipairs(vim.fn.getqflist()) do
    table.insert(out.lineage_up, {
      text = item.text,
      file = item.bufnr > 0 and vim.fn.fnamemodify(vim.fn.bufname(item.bufnr), ':p') or '',
      lnum = item.lnum,
      valid = item.valid,
    })
  end
  out.quickfix_open = vim.fn.getqflist({ winid = 0 }).winid ~= 0
  vim.cmd('cclose')
end)

step('lineage down', function()
  vim.api.nvim_set_current_buf(stg)
  vim.fn.setqflist({}, ' ', { title = 'none yet' })
  vim.cmd('LoupeLineage down customer_id')
  wait(10000, function()
    return vim.fn.getqflist({ title = 0 }).title:find('^Loupe lineage') ~= nil
  end, 'the downstream lineage')
  out.lineage_down_title = vim.fn.getqflist({ title = 0 }).title
  out.lineage_down = {}
  for _, item in ipairs(vim.fn.getqflist()) do
    table.insert(out.lineage_down, item.text)
  end
  vim.cmd('cclose')
end)

step('compiled', function()
  vim.api.nvim_set_current_buf(stg)
  vim.cmd('LoupeCompiled')
  wait(10000, function()
    return loupe.last_compiled ~= nil
  end, 'the compiled SQL')
  out.compiled = lines(loupe.last_compiled)
  out.compiled_filetype = vim.bo[loupe.last_compiled].filetype
  out.compiled_name = vim.api.nvim_buf_get_name(loupe.last_compiled)
  out.compiled_attached = loupe.buffer_client(loupe.last_compiled) ~= nil
  -- <CR> on `user_id as customer_id,` goes to that line of the template.
  vim.api.nvim_win_set_cursor(0, { 8, 0 })
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<CR>', true, false, true), 'x', false)
  out.compiled_jump = {
    buffer = vim.api.nvim_buf_get_name(0),
    line = vim.api.nvim_win_get_cursor(0)[1],
    text = vim.api.nvim_get_current_line(),
  }
  vim.api.nvim_set_current_win(vim.fn.bufwinid(loupe.last_compiled))
  vim.cmd('close')
end)

step('graph', function()
  vim.api.nvim_set_current_buf(stg)
  vim.cmd('LoupeGraph')
  wait(10000, function()
    return loupe.last_graph ~= nil
  end, 'the graph')
  out.graph = lines(loupe.last_graph)
  out.graph_windows = vim.fn.winnr('$')
  vim.cmd('close')
end)

if fabric then
  step('fabric', function()
    vim.api.nvim_set_current_buf(stg)
    local offered
    vim.ui.select = function(items, opts, on_choice)
      offered = {}
      for _, item in ipairs(items) do
        table.insert(offered, opts.format_item(item))
      end
      on_choice(items[1])
    end
    vim.cmd('LoupeFabric')
    wait(10000, function()
      return loupe.selected_fabric ~= nil
    end, 'a fabric to be chosen')
    out.fabric_offered = offered
    out.fabric_selected = loupe.selected_fabric
    local before = #notes
    vim.cmd('LoupeFabric nowhere')
    wait(10000, function()
      return #notes > before
    end, 'the refusal of an unknown fabric')
    out.fabric_unknown = notes[#notes].message
  end)

  step('refresh catalog', function()
    vim.api.nvim_set_current_buf(stg)
    local before = #notes
    vim.cmd('LoupeRefreshCatalog')
    wait(30000, function()
      for i = before + 1, #notes do
        if notes[i].message:find('described by') then
          return true
        end
      end
      return false
    end, 'the catalog refresh')
    out.catalog = notes[#notes].message
  end)
  out.notes = notes

  step('run', function()
    vim.api.nvim_set_current_buf(stg)
    -- Inside the gem `renamed` (line 7).
    vim.api.nvim_win_set_cursor(0, { 7, 8 })
    loupe.progress_log = {}
    vim.cmd('LoupeRun 2')
    wait(60000, function()
      return loupe.last_rows ~= nil and loupe.running == nil
    end, 'the rows')
    -- The end of the progress may come just after the answer.
    wait(5000, function()
      local last = loupe.progress_log[#loupe.progress_log] or ''
      return last:find(': done$') ~= nil
    end, 'the end of the run\'s progress')
    out.rows = lines(loupe.last_rows)
    out.rows_name = vim.api.nvim_buf_get_name(loupe.last_rows)
    out.progress = loupe.progress_log
    out.run_error = loupe.last_error
    vim.cmd('close')
  end)

  step('cancel', function()
    local slow = open('models/slow.sql')
    wait(10000, function()
      return loupe.buffer_client(slow) ~= nil
    end, 'Loupe on the slow model')
    vim.api.nvim_win_set_cursor(0, { 1, 0 })
    loupe.progress_log = {}
    loupe.last_rows = nil
    local started = vim.loop.hrtime()
    vim.cmd('LoupeRun')
    -- Once the engine has the query, <C-c> (mapped while it runs) stops it.
    wait(30000, function()
      for _, message in ipairs(loupe.progress_log) do
        if message:find('running on') then
          return true
        end
      end
      return false
    end, 'the slow run to reach the engine')
    -- "running on duckdb" comes just before DuckDB starts the statement; a
    -- cancel in between is lost by the server, so give the engine a moment.
    vim.wait(1000)
    out.cancel_mapped = vim.fn.maparg('<C-c>', 'n') ~= ''
    vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('<C-c>', true, false, true), 'x', false)
    out.cancel_ms = math.floor((vim.loop.hrtime() - started) / 1e6)
    out.cancel_error = loupe.last_error
    out.cancel_running = loupe.running ~= nil
    out.cancel_rows = loupe.last_rows ~= nil
    out.cancel_mapped_after = vim.fn.maparg('<C-c>', 'n') ~= ''
    -- The server is free again: the next run answers.
    vim.api.nvim_set_current_buf(stg)
    vim.api.nvim_win_set_cursor(0, { 7, 8 })
    local again = vim.loop.hrtime()
    vim.cmd('LoupeRun 1')
    wait(60000, function()
      return loupe.last_rows ~= nil and loupe.running == nil
    end, 'a run after the cancelled one')
    out.after_cancel_ms = math.floor((vim.loop.hrtime() - again) / 1e6)
    out.after_cancel_rows = lines(loupe.last_rows)
  end)
end

step('impact', function()
  -- The project is a Git repository on a feature branch: dropping `status`
  -- in the open buffer (unsaved) breaks the model downstream that reads it.
  local staging = open('models/staging/stg_orders.sql')
  local kept = {}
  for _, l in ipairs(lines(staging)) do
    if l:match('^%s*order_date,%s*$') then
      table.insert(kept, (l:gsub(',', '')))
    elseif not l:match('^%s*status%s*$') then
      table.insert(kept, l)
    end
  end
  vim.api.nvim_buf_set_lines(staging, 0, -1, false, kept)
  wait(30000, function()
    for _, x in ipairs(vim.diagnostic.get(staging)) do
      local lsp = x.user_data and x.user_data.lsp or {}
      if (x.code or lsp.code) == 'L015' then
        out.impact_diagnostic = x.message
        out.impact_related = lsp.relatedInformation and #lsp.relatedInformation or 0
        return true
      end
    end
    return false
  end, 'the breaking-change diagnostic')
  local done = false
  loupe.impact(function(items)
    out.impact_items = {}
    for _, item in ipairs(items) do
      table.insert(out.impact_items, item.text)
    end
    done = true
  end)
  wait(10000, function()
    return done
  end, 'the impact list')
  local lenses = vim.lsp.buf_request_sync(staging, 'textDocument/codeLens', { textDocument = { uri = vim.uri_from_bufnr(staging) } }, 10000)
  out.impact_lenses = {}
  for _, r in pairs(lenses or {}) do
    for _, lens in ipairs(r.result or {}) do
      table.insert(out.impact_lenses, lens.command and lens.command.title or '')
    end
  end
end)

finish()
