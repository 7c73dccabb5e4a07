-- Drives Loupe from a real Neovim: diagnostics, hover, completion, and a
-- code action applied to the buffer. Results go to $LOUPE_OUT as JSON.
local plugin = os.getenv('LOUPE_PLUGIN')
local root = os.getenv('LOUPE_FIXTURE')
local out = {}
vim.opt.runtimepath:prepend(plugin)
local loupe = require('loupe')

local function finish()
  local f = io.open(os.getenv('LOUPE_OUT'), 'w')
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd('qall!')
end

local ok, err = pcall(function()
  local id = loupe.start({ root = root, cmd = { os.getenv('LOUPE_BIN'), 'lsp' } })
  vim.cmd('edit ' .. root .. '/models/broken/l003_unqualified.sql')
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, id)

  vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  local d = vim.diagnostic.get(buf)[1]
  out.diagnostic_code = d and (d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code))
  out.diagnostic_line = d and d.lnum

  -- Hover on `order_id` (line 3, 0-based 2).
  vim.api.nvim_win_set_cursor(0, { 3, 5 })
  local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', vim.lsp.util.make_position_params(), 10000)
  for _, r in pairs(hover or {}) do
    if r.result then out.hover = r.result.contents.value end
  end

  -- Completion at the start of line 4 (`amont`).
  vim.api.nvim_win_set_cursor(0, { 4, 4 })
  local completion = vim.lsp.buf_request_sync(buf, 'textDocument/completion', vim.lsp.util.make_position_params(), 10000)
  out.completion = {}
  for _, r in pairs(completion or {}) do
    for _, item in ipairs(r.result or {}) do
      table.insert(out.completion, item.label)
    end
  end

  -- The quick fix for the diagnostic, applied to the buffer.
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } },
    context = { diagnostics = { {
      range = { start = { line = d.lnum, character = d.col }, ['end'] = { line = d.end_lnum, character = d.end_col } },
      code = out.diagnostic_code,
      message = d.message,
    } } },
  }
  local actions = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 10000)
  for _, r in pairs(actions or {}) do
    for _, action in ipairs(r.result or {}) do
      -- Edits only: a command action (running a gem) changes no text.
      if action.edit then
        out.action = action.title
        vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
      end
    end
  end
  out.fixed_line = vim.api.nvim_buf_get_lines(buf, 3, 4, false)[1]

  -- Run the fixed model's final SELECT: its rows open in a scratch window.
  vim.api.nvim_win_set_cursor(0, { 2, 4 })
  loupe.run_gem(buf, 3)
  vim.wait(60000, function() return loupe.last_rows ~= nil end, 50)
  if loupe.last_rows then
    out.rows = vim.api.nvim_buf_get_lines(loupe.last_rows, 0, -1, false)
  end
end)
if not ok then out.error = tostring(err) end
finish()
