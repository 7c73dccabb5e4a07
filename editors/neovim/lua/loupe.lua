-- Loupe for Neovim: the `loupe lsp` language server for the SQL and YAML
-- files of dbt projects (a folder with dbt_project.yml or loupe.toml), and
-- commands for Loupe's own requests. See `:help loupe`.
--
--   Neovim 0.11+:  vim.lsp.enable('loupe')             (lsp/loupe.lua)
--   Neovim 0.7+:   require('loupe').setup({ cmd = { 'loupe', 'lsp' } })
local format = require('loupe.format')

local M = {}

M.config = {
  cmd = { 'loupe', 'lsp' },
  filetypes = { 'sql', 'yaml' },
  root_markers = { 'dbt_project.yml', 'loupe.toml' },
  -- Rows a run brings back (`:LoupeRun` without a count).
  row_limit = 100,
  -- The fabric runs use; nil: the one chosen with :LoupeFabric, else the project's default.
  fabric = nil,
  -- Echo the progress of runs (the `$/progress` the server sends).
  progress = true,
}

-- Everything a run reports (`$/progress` messages), for statuslines and tests.
M.progress_log = {}

local function has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

local function notify(message, level)
  vim.notify('Loupe: ' .. message, level or vim.log.levels.INFO)
end

--- The folder at or above `path` that holds dbt_project.yml or loupe.toml.
function M.project_root(path)
  -- Scratch buffers (loupe://compiled/...) and other schemes are no project files.
  if not path or path == '' or path:find('^%a[%w+.-]*://') then
    return nil
  end
  local dir = vim.fn.fnamemodify(path, ':p:h')
  while dir and dir ~= '' do
    for _, marker in ipairs(M.config.root_markers) do
      if vim.fn.filereadable(dir .. '/' .. marker) == 1 then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      break
    end
    dir = parent
  end
  return nil
end

--- What the server gets as `initializationOptions`.
function M.init_options()
  local options = { fabric = M.config.fabric, rowLimit = M.config.row_limit }
  -- An empty Lua table would go out as a JSON array.
  return next(options) and options or vim.empty_dict()
end

--- The configuration `vim.lsp.config` takes (Neovim 0.11+); lsp/loupe.lua returns it.
function M.lsp_config()
  return {
    cmd = M.config.cmd,
    filetypes = M.config.filetypes,
    -- Only inside a project: YAML elsewhere is none of Loupe's business.
    root_dir = function(bufnr, on_dir)
      local root = M.project_root(vim.api.nvim_buf_get_name(bufnr))
      if root then
        on_dir(root)
      end
    end,
    init_options = M.init_options(),
  }
end

local function client_config(root, cmd)
  return {
    name = 'loupe',
    cmd = cmd or M.config.cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } },
    init_options = M.init_options(),
  }
end

local started = {}

--- Starts (or reuses) the server for a project root; returns the client id.
--- For Neovim 0.7, which has no `vim.lsp.start`.
function M.start(opts)
  local root = opts.root
  if started[root] and vim.lsp.get_client_by_id(started[root]) then
    return started[root]
  end
  started[root] = vim.lsp.start_client(client_config(root, opts.cmd))
  return started[root]
end

--- Attaches Loupe to a buffer of a project (Neovim 0.7 to 0.10).
function M.attach(bufnr)
  local root = M.project_root(vim.api.nvim_buf_get_name(bufnr))
  if not root then
    return
  end
  if has('0.8') then
    vim.lsp.start(client_config(root), { bufnr = bufnr })
  else
    vim.lsp.buf_attach_client(bufnr, M.start({ root = root }))
  end
end

-- Requests ----------------------------------------------------------------

local function clients_of(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'loupe' })
  end
  local out = {}
  local all = bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients()
  for _, client in pairs(all) do
    if client.name == 'loupe' then
      table.insert(out, client)
    end
  end
  return out
end

--- The Loupe client attached to a buffer, or nil.
function M.buffer_client(bufnr)
  return clients_of(bufnr or vim.api.nvim_get_current_buf())[1]
end

--- The Loupe client of a buffer, else any Loupe client (commands run from a
--- results or quickfix window still reach the server).
function M.client(bufnr)
  return clients_of(bufnr or vim.api.nvim_get_current_buf())[1] or clients_of(nil)[1]
end

local function request(client, method, params, handler, bufnr)
  if has('0.11') then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

local function cancel_request(client, id)
  if has('0.11') then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

--- Sends `method` to the buffer's Loupe client; `done(result)` on success,
--- an error message otherwise. Returns the client and request id.
local function ask(bufnr, method, params, done)
  local client = M.client(bufnr)
  if not client then
    notify('no Loupe server for this buffer (is it in a dbt project?)', vim.log.levels.WARN)
    return nil
  end
  local _, id = request(client, method, params, function(err, result)
    if err then
      notify(err.message or vim.inspect(err), vim.log.levels.ERROR)
      return
    end
    done(result, client)
  end, bufnr)
  return client, id
end

local function root_of(client, bufnr)
  return (client and client.config and client.config.root_dir)
    or M.project_root(vim.api.nvim_buf_get_name(bufnr))
end

--- A scratch buffer `name` in a split (reused when it is already open) with `lines`.
local function scratch(name, lines, filetype, vertical)
  local buf = vim.fn.bufnr(name)
  if buf == -1 or not vim.api.nvim_buf_is_valid(buf) then
    buf = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(buf, name)
    vim.bo[buf].buftype = 'nofile'
    vim.bo[buf].bufhidden = 'hide'
    vim.bo[buf].swapfile = false
  end
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    vim.cmd(vertical and 'vertical botright split' or 'botright split')
    vim.api.nvim_win_set_buf(0, buf)
  else
    vim.api.nvim_set_current_win(win)
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = filetype or ''
  return buf
end

-- Progress ----------------------------------------------------------------

-- Runs by their progress token: the end of a run's progress may come after
-- its answer.
local runs = {}

local function progress(token, value)
  local run = runs[token]
  if not run or type(value) ~= 'table' then
    return
  end
  local text = string.format('%s: %s', value.title or run.title, value.message or value.kind or '')
  if text == run.last_progress then
    return
  end
  run.last_progress = text
  table.insert(M.progress_log, text)
  if M.config.progress and not run.cancelled then
    local hint = M.running == run and '  (<C-c> or :LoupeCancel stops it)' or ''
    vim.api.nvim_echo({ { 'Loupe: ' .. text .. hint } }, false, {})
  end
end

--- The run in progress, for a statusline: "Running gem: running on duckdb".
function M.status()
  return M.running and M.running.last_progress or ''
end

local progress_hooked = false

local function hook_progress()
  if progress_hooked then
    return
  end
  progress_hooked = true
  local group = vim.api.nvim_create_augroup('loupe_progress', { clear = true })
  if has('0.10') then
    -- Neovim keeps `$/progress` for vim.lsp.status() and fires LspProgress.
    vim.api.nvim_create_autocmd('LspProgress', {
      group = group,
      callback = function(ev)
        local params = ev.data and ev.data.params
        if params then
          progress(params.token, params.value)
        end
      end,
    })
  else
    -- Older Neovim keeps it in client.messages.progress and fires LspProgressUpdate.
    vim.api.nvim_create_autocmd('User', {
      group = group,
      pattern = 'LspProgressUpdate',
      callback = function()
        for token, run in pairs(runs) do
          local client = vim.lsp.get_client_by_id(run.client_id)
          local state = client and client.messages and client.messages.progress[token]
          if state then
            progress(token, { title = state.title, message = state.message })
          end
        end
      end,
    })
  end
end

-- Running a gem -----------------------------------------------------------

local cancel_keys = '<C-c>'

local function finish_run(run)
  if M.running == run then
    M.running = nil
  end
  if run.mapped and vim.api.nvim_buf_is_valid(run.bufnr) then
    pcall(vim.keymap.del, 'n', cancel_keys, { buffer = run.bufnr })
  end
end

--- Stops the run in progress (`:LoupeCancel`, or <C-c> in its buffer): the
--- server interrupts the query on the engine.
function M.cancel()
  local run = M.running
  if not run then
    notify('no run in progress')
    return
  end
  run.cancelled = true
  local client = vim.lsp.get_client_by_id(run.client_id)
  if client then
    cancel_request(client, run.request_id)
  end
  finish_run(run)
  M.last_error = 'cancelled'
  notify(run.title .. ': cancelled', vim.log.levels.WARN)
end

--- Runs `args` (the parameters of `loupe/runGem`) and shows the rows.
function M.run(bufnr, args, limit, on_done)
  if M.running then
    notify('a run is in progress; :LoupeCancel stops it', vim.log.levels.WARN)
    return
  end
  local client = M.client(bufnr)
  if not client then
    notify('no Loupe server for this buffer (is it in a dbt project?)', vim.log.levels.WARN)
    return
  end
  hook_progress()
  M.last_error = nil
  local gem = (args.gem and args.gem ~= vim.NIL) and args.gem or nil
  local title = gem and ('Running ' .. gem) or 'Running the final SELECT'
  local token = string.format('loupe-run-%d', vim.loop.hrtime())
  local params = vim.deepcopy(args)
  params.limit = limit or M.config.row_limit
  params.fabric = params.fabric or M.config.fabric
  params.workDoneToken = token
  local run = { bufnr = bufnr, token = token, title = title, client_id = client.id }
  M.running = run
  runs = { [token] = run }
  if vim.fn.maparg(cancel_keys, 'n') == '' then
    vim.keymap.set('n', cancel_keys, M.cancel, { buffer = bufnr, desc = 'Cancel the Loupe run' })
    run.mapped = true
  end
  local ok, id = request(client, 'loupe/runGem', params, function(err, result)
    if run.cancelled then
      return
    end
    finish_run(run)
    if err or not result then
      M.last_error = (err and err.message) or 'no rows'
      notify(M.last_error, vim.log.levels.ERROR)
    else
      local model = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t:r')
      local what = gem and string.format('gem %s of %s', gem, model) or string.format('%s (final SELECT)', model)
      local lines = format.rows(result, what)
      M.last_rows = scratch('loupe://rows', lines, 'loupe-rows', false)
      M.last_result = result
    end
    if on_done then
      on_done(result, err)
    end
  end, bufnr)
  if not ok then
    finish_run(run)
    notify('the server refused the run', vim.log.levels.ERROR)
    return
  end
  run.request_id = id
  if M.config.progress then
    vim.api.nvim_echo({ { 'Loupe: ' .. title .. '  (<C-c> or :LoupeCancel stops it)' } }, false, {})
  end
end

--- Runs the gem under the cursor on the fabric (`:LoupeRun [limit]`) and shows
--- its rows (with each column's type in the header) in a split; `M.last_rows`
--- holds that buffer. The server names the gem through its "Run gem" action.
function M.run_gem(bufnr, limit, on_done)
  bufnr = (bufnr and bufnr ~= 0) and bufnr or vim.api.nvim_get_current_buf()
  local client = M.client(bufnr)
  if not client then
    notify('no Loupe server for this buffer (is it in a dbt project?)', vim.log.levels.WARN)
    return
  end
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.context = { diagnostics = {} }
  request(client, 'textDocument/codeAction', params, function(err, actions)
    local args
    for _, action in ipairs((not err and actions) or {}) do
      local command = action.command
      if type(command) == 'table' and command.command == 'loupe.runGem' then
        args = command.arguments[1]
      elseif action.command == 'loupe.runGem' then
        args = action.arguments[1]
      end
    end
    if not args then
      notify('no gem under the cursor (or no fabric in this build of loupe)', vim.log.levels.WARN)
      return
    end
    M.run(bufnr, args, limit, on_done)
  end, bufnr)
end

-- Lineage, compiled SQL, graph, fabrics, catalog -----------------------------

--- The lineage of the column under the cursor (or `column`) of this model,
--- upstream (default) or downstream, into the quickfix list (`:LoupeLineage`).
function M.lineage(direction, column, on_done)
  local bufnr = vim.api.nvim_get_current_buf()
  direction = (direction == 'down' or direction == 'downstream') and 'downstream' or 'upstream'
  column = (column and column ~= '') and column or vim.fn.expand('<cword>')
  local model = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t:r')
  local params = { model = model, column = column, direction = direction }
  ask(bufnr, 'loupe/lineage', params, function(result, client)
    local items = format.lineage_items(result, direction, root_of(client, bufnr))
    local title = string.format('Loupe lineage: %s of %s.%s', direction, model, column)
    vim.fn.setqflist({}, ' ', { title = title, items = items })
    vim.cmd('botright copen')
    if on_done then
      on_done(items)
    end
  end)
end

--- What this model's changes against the Git base break downstream, into
--- the quickfix list (`:LoupeImpact`): each change, then each use it breaks.
function M.impact(on_done)
  local bufnr = vim.api.nvim_get_current_buf()
  ask(bufnr, 'loupe/impact', { uri = vim.uri_from_bufnr(bufnr) }, function(result, client)
    local items = format.impact_items(result, root_of(client, bufnr))
    local base = result.base ~= vim.NIL and result.base and result.base.label or (result.baseProblem or 'no base')
    vim.fn.setqflist({}, ' ', { title = string.format('Loupe impact of %s against %s', result.model or '?', base), items = items })
    vim.cmd('botright copen')
    if on_done then
      on_done(items, result)
    end
  end)
end

--- The model's SQL after Jinja, in a scratch buffer (`:LoupeCompiled`).
--- <CR> on a line of it goes to where that line comes from in the template.
function M.compiled(on_done)
  local bufnr = vim.api.nvim_get_current_buf()
  local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t:r')
  ask(bufnr, 'loupe/compiled', { uri = vim.uri_from_bufnr(bufnr) }, function(result)
    local lines = vim.split(result.sql or '', '\n', { plain = true })
    local buf = scratch('loupe://compiled/' .. name .. '.sql', lines, 'sql', true)
    vim.b[buf].loupe_source_map = result.sourceMap
    vim.b[buf].loupe_template = bufnr
    vim.keymap.set('n', '<CR>', M.compiled_jump, { buffer = buf, desc = 'Go to the template line' })
    M.last_compiled = buf
    if on_done then
      on_done(buf)
    end
  end)
end

--- From the compiled SQL's line under the cursor to its template line.
function M.compiled_jump()
  local map = vim.b.loupe_source_map or {}
  local template = vim.b.loupe_template
  local line = vim.api.nvim_win_get_cursor(0)[1] - 1
  local target
  for _, entry in ipairs(map) do
    if entry.line <= line and (not target or entry.line >= target.line) then
      target = entry
    end
  end
  if not target or not template or not vim.api.nvim_buf_is_valid(template) then
    notify('no template line for this line', vim.log.levels.WARN)
    return
  end
  local win = vim.fn.bufwinid(template)
  if win ~= -1 then
    vim.api.nvim_set_current_win(win)
  else
    vim.cmd('wincmd p')
    vim.api.nvim_win_set_buf(0, template)
  end
  vim.api.nvim_win_set_cursor(0, { target.templateLine + 1, target.templateCharacter or 0 })
end

--- The model's gems and their schemas drawn as text in a split (`:LoupeGraph`).
function M.graph(on_done)
  local bufnr = vim.api.nvim_get_current_buf()
  local path = vim.api.nvim_buf_get_name(bufnr)
  ask(bufnr, 'loupe/graph', vim.empty_dict(), function(result, client)
    local root = root_of(client, bufnr)
    local file = path
    if root and path:sub(1, #root + 1) == root .. '/' then
      file = path:sub(#root + 2)
    end
    local model = format.find_model(result, file)
    if not model then
      notify('this file is not a model of the project', vim.log.levels.WARN)
      return
    end
    M.last_graph = scratch('loupe://graph/' .. model.name, format.graph(result, model), 'loupe-graph', true)
    if on_done then
      on_done(M.last_graph)
    end
  end)
end

--- Chooses the fabric later runs use (`:LoupeFabric [name]`); without a name,
--- a picker (vim.ui.select) of the fabrics loupe.toml names, with their status.
function M.fabric(name, on_done)
  local bufnr = vim.api.nvim_get_current_buf()
  local function select(chosen)
    ask(bufnr, 'loupe/selectFabric', { name = chosen }, function(result)
      M.selected_fabric = result.selected
      notify('runs use the fabric ' .. result.selected)
      if on_done then
        on_done(result.selected)
      end
    end)
  end
  if name and name ~= '' then
    return select(name)
  end
  ask(bufnr, 'loupe/fabrics', vim.empty_dict(), function(result)
    local details = result.details or {}
    if #details == 0 then
      for _, n in ipairs(result.fabrics or {}) do
        table.insert(details, { name = n })
      end
    end
    vim.ui.select(details, {
      prompt = 'Fabric for runs:',
      format_item = function(detail)
        return format.fabric_item(detail, result.selected)
      end,
    }, function(choice)
      if choice then
        select(choice.name)
      end
    end)
  end)
end

--- Asks the fabric for the columns of the project's source tables
--- (`:LoupeRefreshCatalog [fabric]`).
function M.refresh_catalog(bufnr, fabric)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  -- An empty Lua table would go out as a JSON array: send an object.
  local params = fabric and { fabric = fabric } or vim.empty_dict()
  ask(bufnr, 'loupe/refreshCatalog', params, function(result)
    local lines = { string.format('%d tables described by %s', #result.described, result.fabric) }
    for _, failure in ipairs(result.failed or {}) do
      table.insert(lines, string.format('  %s: %s', failure.table, failure.message))
    end
    local level = #(result.failed or {}) > 0 and vim.log.levels.WARN or vim.log.levels.INFO
    notify(table.concat(lines, '\n'), level)
  end)
end

-- Commands and setup --------------------------------------------------------

local function arg(command)
  return command.args ~= '' and command.args or nil
end

--- Defines the :Loupe* commands (plugin/loupe.lua calls this at startup).
function M.commands()
  local define = vim.api.nvim_create_user_command
  define('LoupeRun', function(c)
    M.run_gem(nil, tonumber(c.args))
  end, { nargs = '?', desc = 'Run the gem under the cursor (optional row limit)' })
  define('LoupeCancel', function()
    M.cancel()
  end, { desc = 'Stop the run in progress' })
  define('LoupeLineage', function(c)
    M.lineage(c.fargs[1], c.fargs[2])
  end, {
    nargs = '*',
    complete = function()
      return { 'up', 'down' }
    end,
    desc = 'Lineage of the column under the cursor into the quickfix list: [up|down] [column]',
  })
  define('LoupeImpact', function()
    M.impact()
  end, { desc = "What this model's changes against the Git base break downstream" })
  define('LoupeCompiled', function()
    M.compiled()
  end, { desc = "The model's SQL after Jinja" })
  define('LoupeGraph', function()
    M.graph()
  end, { desc = "The model's gems and their schemas" })
  define('LoupeFabric', function(c)
    M.fabric(arg(c))
  end, { nargs = '?', desc = 'Choose the fabric runs use (a picker without a name)' })
  define('LoupeRefreshCatalog', function(c)
    M.refresh_catalog(nil, arg(c))
  end, { nargs = '?', desc = "Describe the project's source tables from the fabric (optional fabric name)" })
end

--- Sets Loupe up: on Neovim 0.11+ through vim.lsp.config/vim.lsp.enable,
--- before that with a FileType autocommand. Options: see M.config.
function M.setup(opts)
  M.config = vim.tbl_deep_extend('force', M.config, opts or {})
  M.commands()
  hook_progress()
  if has('0.11') and vim.lsp.config and not M.config.legacy then
    vim.lsp.config('loupe', M.lsp_config())
    vim.lsp.enable('loupe')
    return
  end
  vim.api.nvim_create_autocmd('FileType', {
    group = vim.api.nvim_create_augroup('loupe_attach', { clear = true }),
    pattern = M.config.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  -- Buffers opened before setup.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.tbl_contains(M.config.filetypes, vim.bo[buf].filetype) then
      M.attach(buf)
    end
  end
end

-- Kept for configurations written for earlier versions of this plugin.
M.format_rows = function(result)
  return format.rows(result)
end

return M
