; Each CTE of a model is a gem: the outline lists them, and the innermost
; one around the cursor is $ZED_SYMBOL in tasks ("loupe: run gem").
(cte
  (identifier) @name) @item
