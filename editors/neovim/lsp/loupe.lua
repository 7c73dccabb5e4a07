-- `vim.lsp.enable('loupe')` (Neovim 0.11+) reads this: `loupe lsp` for the
-- SQL and YAML files of a project (dbt_project.yml or loupe.toml at its root).
-- Override with vim.lsp.config('loupe', { cmd = { '/path/to/loupe', 'lsp' } }).
return require('loupe').lsp_config()
