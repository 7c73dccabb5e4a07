-- The :Loupe* commands, whichever way the server was started
-- (vim.lsp.enable('loupe') or require('loupe').setup()).
if vim.g.loaded_loupe then
  return
end
vim.g.loaded_loupe = true
require('loupe').commands()
