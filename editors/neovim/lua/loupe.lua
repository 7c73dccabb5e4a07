-- Loupe for Neovim: starts `loupe lsp` for SQL files inside a dbt project
-- (a folder with dbt_project.yml) and attaches it to their buffers.
--
--   require('loupe').setup({ cmd = { 'loupe', 'lsp' } })
--
-- Works with Neovim 0.7 and newer (no dependency on nvim-lspconfig).
local M = {}

local clients = {}

--- The folder at or above `path` that holds dbt_project.yml.
function M.project_root(path)
  local dir = vim.fn.fnamemodify(path, ':p:h')
  while dir and dir ~= '' do
    if vim.fn.filereadable(dir .. '/dbt_project.yml') == 1 then
      return dir
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      break
    end
    dir = parent
  end
  return nil
end

--- Starts (or reuses) the server for a project root; returns the client id.
function M.start(opts)
  local root = opts.root
  if clients[root] then
    return clients[root]
  end
  local id = vim.lsp.start_client({
    name = 'loupe',
    cmd = opts.cmd or { 'loupe', 'lsp' },
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ':t') } },
  })
  clients[root] = id
  return id
end

--- A run's rows as aligned text lines: names, types, a rule, then the rows.
function M.format_rows(result)
  local columns = result.columns or {}
  local cells = {}
  for _, row in ipairs(result.rows or {}) do
    local line = {}
    for i = 1, #columns do
      local value = row[i]
      line[i] = (value == nil or value == vim.NIL) and 'NULL' or tostring(value)
    end
    table.insert(cells, line)
  end
  local widths = {}
  for i, column in ipairs(columns) do
    widths[i] = math.max(vim.fn.strdisplaywidth(column[1]), vim.fn.strdisplaywidth(column[2]))
    for _, line in ipairs(cells) do
      widths[i] = math.max(widths[i], vim.fn.strdisplaywidth(line[i]))
    end
  end
  local function pad(values)
    local out = {}
    for i, v in ipairs(values) do
      out[i] = v .. string.rep(' ', widths[i] - vim.fn.strdisplaywidth(v))
    end
    return table.concat(out, ' | ')
  end
  local names, types, rule = {}, {}, {}
  for i, column in ipairs(columns) do
    names[i], types[i], rule[i] = column[1], column[2], string.rep('-', widths[i])
  end
  local lines = { pad(names), pad(types), pad(rule) }
  for _, line in ipairs(cells) do
    table.insert(lines, pad(line))
  end
  local more = result.truncated and ' (more exist)' or ''
  table.insert(lines, string.format('%d rows%s in %.0f ms', #cells, more, result.elapsed_ms or 0))
  return lines
end

--- Runs the gem under the cursor on the project's fabric (`:LoupeRun`) and
--- shows its rows in a scratch window; `M.last_rows` holds that buffer.
function M.run_gem(bufnr, limit)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = {} }
  local actions = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 10000)
  local args
  for _, reply in pairs(actions or {}) do
    for _, action in ipairs(reply.result or {}) do
      if action.command and action.command.command == 'loupe.runGem' then
        args = action.command.arguments[1]
      end
    end
  end
  if not args then
    vim.notify('Loupe: no gem under the cursor (or no fabric in this build)', vim.log.levels.WARN)
    return
  end
  args.limit = limit or 100
  vim.lsp.buf_request(bufnr, 'loupe/runGem', args, function(err, result)
    if err or not result then
      vim.notify('Loupe: ' .. ((err and err.message) or 'no rows'), vim.log.levels.ERROR)
      return
    end
    vim.cmd('botright new')
    local out = vim.api.nvim_get_current_buf()
    vim.bo[out].buftype = 'nofile'
    vim.bo[out].bufhidden = 'wipe'
    vim.api.nvim_buf_set_lines(out, 0, -1, false, M.format_rows(result))
    vim.bo[out].modifiable = false
    M.last_rows = out
  end)
end

--- Asks the fabric for the columns of sources the YAML leaves undescribed
--- (`:LoupeRefreshCatalog [fabric]`).
function M.refresh_catalog(bufnr, fabric)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  vim.lsp.buf_request(bufnr, 'loupe/refreshCatalog', { fabric = fabric }, function(err, result)
    if err or not result then
      vim.notify('Loupe: ' .. ((err and err.message) or 'no answer'), vim.log.levels.ERROR)
      return
    end
    local lines = { string.format('Loupe: %d tables described by %s', #result.described, result.fabric) }
    for _, failure in ipairs(result.failed or {}) do
      table.insert(lines, string.format('  %s: %s', failure.table, failure.message))
    end
    local level = #(result.failed or {}) > 0 and vim.log.levels.WARN or vim.log.levels.INFO
    vim.notify(table.concat(lines, '\n'), level)
  end)
end

--- Attaches Loupe to every SQL buffer of a dbt project.
function M.setup(opts)
  opts = opts or {}
  vim.api.nvim_create_user_command('LoupeRun', function(command)
    M.run_gem(nil, tonumber(command.args))
  end, { nargs = '?', desc = 'Run the gem under the cursor (optional row limit)' })
  vim.api.nvim_create_user_command('LoupeRefreshCatalog', function(command)
    M.refresh_catalog(nil, command.args ~= '' and command.args or nil)
  end, { nargs = '?', desc = 'Describe undescribed sources from the fabric (optional fabric name)' })
  vim.api.nvim_create_autocmd('FileType', {
    pattern = 'sql',
    callback = function(args)
      local root = M.project_root(vim.api.nvim_buf_get_name(args.buf))
      if root then
        vim.lsp.buf_attach_client(args.buf, M.start({ root = root, cmd = opts.cmd }))
      end
    end,
  })
end

return M
