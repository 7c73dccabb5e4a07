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

--- Attaches Loupe to every SQL buffer of a dbt project.
function M.setup(opts)
  opts = opts or {}
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
