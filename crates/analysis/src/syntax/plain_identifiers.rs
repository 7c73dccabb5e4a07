//! A sqlparser dialect that reads a plain identifier, function call or
//! literal without first trying it as a type name.
//!
//! For every expression that starts with a word, number or string,
//! sqlparser first tries to read a typed literal (`DATE '2024-01-01'`): it
//! parses the token as a data type, fails on it or on the token after it,
//! and formats an error message it then drops. On dbt models, whose
//! expressions are mostly column names, that speculation was a fifth of all
//! parsing. A plain word (no keyword, or one of a few keywords without a
//! meaning there) followed by `(` or by a token that ends any type name,
//! typed literal or lambda can only be a call or a column reference, and a
//! number or a quoted string only a literal: this dialect reads them at once
//! and leaves everything else to the wrapped dialect.
//!
//! It also reads a few forms the engines accept and sqlparser's dialect for
//! them does not: DuckDB's list comprehensions, BigQuery's typed array
//! literals (`ARRAY<INT64>[1, 2]`) and Spark's `a DIV b` in the Databricks
//! and Hive dialects.

use sqlparser::ast::{
    ColumnOption, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList,
    FunctionArguments, GranteesType, Ident, LambdaFunction, LambdaFunctionParameter, LambdaSyntax,
    ObjectName, ObjectNamePart, OneOrManyWithParens, Statement, TypedString,
};
use sqlparser::dialect::{
    BigQueryDialect, DatabricksDialect, Dialect, DuckDbDialect, HiveDialect, Precedence,
};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;
use std::any::TypeId;
use std::iter::Peekable;
use std::str::Chars;

/// A dialect with plain identifiers, calls and literals read directly.
#[derive(Debug)]
pub(super) struct PlainIdentifiersFirst<D>(pub D);

/// The tokens after a plain word that end any type name or typed literal
/// reading, so that sqlparser's own reading is `Expr::Identifier`: not `(`
/// (a call or type modifiers), `[` (an array type), a string (a typed or
/// introduced literal), `->` (a lambda), `:` (Snowflake's path) or `ARRAY`.
fn ends_plain_identifier(token: &Token) -> bool {
    match token {
        Token::EOF
        | Token::Comma
        | Token::RParen
        | Token::SemiColon
        | Token::Period
        | Token::Eq
        | Token::DoubleEq
        | Token::Neq
        | Token::Lt
        | Token::Gt
        | Token::LtEq
        | Token::GtEq
        | Token::Plus
        | Token::Minus
        | Token::Mul
        | Token::Div
        | Token::Mod
        | Token::StringConcat
        | Token::DoubleColon => true,
        Token::Word(w) => w.keyword != Keyword::ARRAY,
        _ => false,
    }
}

/// Words that begin no expression of their own in any dialect: no keyword,
/// or keywords that sqlparser neither reads as a type name nor gives a
/// meaning at the start of an expression, common as column and function
/// names in models. (`DATE`, `CAST`, `INTERVAL`, `CASE`, `TRUE` and their
/// like are not among them; `tests/parser.rs` checks each one listed.)
pub fn is_plain_word(keyword: Keyword) -> bool {
    use Keyword as K;
    matches!(
        keyword,
        K::NoKeyword
            | K::ID
            | K::NAME
            | K::STATUS
            | K::VALUE
            | K::KEY
            | K::DATA
            | K::NUMBER
            | K::LEVEL
            | K::RESULT
            | K::SOURCE
            | K::REGION
            | K::LOCATION
            | K::YEAR
            | K::QUARTER
            | K::MONTH
            | K::WEEK
            | K::DAY
            | K::HOUR
            | K::MINUTE
            | K::SECOND
            | K::COUNT
            | K::SUM
            | K::MIN
            | K::MAX
            | K::AVG
            | K::COALESCE
            | K::NULLIF
            | K::LEAST
            | K::ROW_NUMBER
            | K::RANK
            | K::DENSE_RANK
            | K::PERCENT_RANK
            | K::CUME_DIST
            | K::NTILE
            | K::LAG
            | K::LEAD
            | K::FIRST_VALUE
            | K::LAST_VALUE
            | K::NTH_VALUE
            | K::LOWER
            | K::UPPER
            | K::REPLACE
            | K::ABS
            | K::LOG
            | K::LN
            | K::EXP
            | K::SQRT
            | K::POWER
            | K::MOD
            | K::HASH
    )
}

impl<D: Dialect> PlainIdentifiersFirst<D> {
    /// A column reference or a call of a function whose name is a plain word,
    /// read as sqlparser reads it once its type-name reading fails; `None`
    /// where that reading might not fail.
    fn plain_word_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        let Token::Word(word) = &parser.peek_token_ref().token else {
            return None;
        };
        if !is_plain_word(word.keyword) || word.value.eq_ignore_ascii_case("xml") {
            return None;
        }
        let next = &parser.peek_nth_token_ref(1).token;
        let call = matches!(next, Token::LParen);
        if call {
            // `x (+)`: Oracle's outer join marker, not a call.
            if parser.peek_nth_token_ref(2).token == Token::Plus
                && parser.peek_nth_token_ref(3).token == Token::RParen
            {
                return None;
            }
        } else if !ends_plain_identifier(next)
            // `x int -> ...`: a typed lambda parameter.
            || (matches!(next, Token::Word(_))
                && parser.peek_nth_token_ref(2).token == Token::Arrow)
        {
            return None;
        }
        let token = parser.next_token();
        let Token::Word(word) = &token.token else {
            unreachable!("the peeked token is a word")
        };
        let name = word.to_ident(token.span);
        Some(if call {
            parser.parse_function(ObjectName::from(vec![name]))
        } else {
            Ok(Expr::Identifier(name))
        })
    }
}

/// DuckDB's list comprehension `[x * 2 FOR x IN xs IF x > 1]`, read as
/// DuckDB reads it: `list_transform(list_filter(xs, lambda x: x > 1),
/// lambda x: x * 2)`. `None` when the bracket opens a list literal.
fn list_comprehension(parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
    if !opens_list_comprehension(parser) {
        return None;
    }
    Some(read_list_comprehension(parser))
}

/// Whether a `FOR` follows the bracket before a comma or the closing
/// bracket at its own level. Reads no further than a list literal's first
/// element, and a bounded number of tokens whatever the input.
fn opens_list_comprehension(parser: &Parser) -> bool {
    const MOST_TOKENS: usize = 10_000;
    // The parser's index can still be on whitespace before the bracket.
    let mut bracket = parser.index();
    while matches!(parser.token_at(bracket).token, Token::Whitespace(_)) {
        bracket += 1;
    }
    let start = bracket + 1;
    let mut depth = 0usize;
    for at in start..start + MOST_TOKENS {
        match &parser.token_at(at).token {
            Token::LBracket | Token::LParen | Token::LBrace => depth += 1,
            Token::RBracket | Token::RParen | Token::RBrace if depth == 0 => return false,
            Token::RBracket | Token::RParen | Token::RBrace => depth -= 1,
            Token::Comma | Token::SemiColon if depth == 0 => return false,
            Token::EOF => return false,
            Token::Word(w) if depth == 0 && w.keyword == Keyword::FOR => return true,
            _ => {}
        }
    }
    false
}

fn read_list_comprehension(parser: &mut Parser) -> Result<Expr, ParserError> {
    let open = parser.expect_token(&Token::LBracket)?;
    let body = parser.parse_expr()?;
    parser.expect_keyword(Keyword::FOR)?;
    let variable = parser.parse_identifier()?;
    parser.expect_keyword(Keyword::IN)?;
    let list = parser.parse_expr()?;
    let condition = if parser.parse_keyword(Keyword::IF) {
        Some(parser.parse_expr()?)
    } else {
        None
    };
    parser.expect_token(&Token::RBracket)?;
    let lambda = |body: Expr| {
        Expr::Lambda(LambdaFunction {
            params: OneOrManyWithParens::One(LambdaFunctionParameter {
                name: variable.clone(),
                data_type: None,
            }),
            body: Box::new(body),
            syntax: LambdaSyntax::LambdaKeyword,
        })
    };
    let call = |name: &str, list: Expr, lambda: Expr| {
        Expr::Function(Function {
            name: ObjectName::from(vec![Ident::with_span(open.span, name)]),
            uses_odbc_syntax: false,
            parameters: FunctionArguments::None,
            args: FunctionArguments::List(FunctionArgumentList {
                duplicate_treatment: None,
                args: vec![
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(list)),
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(lambda)),
                ],
                clauses: Vec::new(),
            }),
            filter: None,
            null_treatment: None,
            over: None,
            within_group: Vec::new(),
        })
    };
    let list = match condition {
        Some(condition) => call("list_filter", list, lambda(condition)),
        None => list,
    };
    Ok(call("list_transform", list, lambda(body)))
}

macro_rules! forward_to_wrapped_dialect {
    ($(fn $name:ident(&self $(, $arg:ident: $ty:ty)*) $(-> $ret:ty)?;)*) => {
        $(fn $name(&self $(, $arg: $ty)*) $(-> $ret)? { self.0.$name($($arg),*) })*
    };
}

/// BigQuery's typed array literal `ARRAY<INT64>[1, 2]`, which sqlparser
/// reads as comparisons (`array < int64 > [1, 2]`): read as the cast of the
/// array to its type, which BigQuery reads the same.
fn bigquery_typed_array(parser: &mut Parser) -> Result<Expr, ParserError> {
    let data_type = parser.parse_data_type()?;
    parser.expect_token(&Token::LBracket)?;
    let array = parser.parse_array_expr(true)?;
    Ok(Expr::Cast {
        kind: sqlparser::ast::CastKind::Cast,
        expr: Box::new(array),
        data_type,
        format: None,
    })
}

/// BigQuery's range literal `RANGE<DATE> '[2024-01-01, 2024-02-01)'`, which
/// sqlparser reads as comparisons: read as a typed string of the type
/// `RANGE<DATE>` (a name as written, printed back the same).
fn bigquery_range_literal(parser: &mut Parser) -> Result<Expr, ParserError> {
    parser.expect_keyword_is(Keyword::RANGE)?;
    parser.expect_token(&Token::Lt)?;
    let element = parser.parse_data_type()?;
    parser.expect_token(&Token::Gt)?;
    let value = parser.parse_value()?;
    if !matches!(value.value, sqlparser::ast::Value::SingleQuotedString(_)) {
        return parser.expected("a quoted range", parser.peek_token());
    }
    let name = format!("RANGE<{element}>");
    Ok(Expr::TypedString(TypedString {
        data_type: sqlparser::ast::DataType::Custom(
            ObjectName::from(vec![Ident::new(name)]),
            Vec::new(),
        ),
        value,
        uses_odbc_syntax: false,
    }))
}

/// Spark's `a DIV b` (integer division), which sqlparser reads only in its
/// Spark and MySQL dialects, not in the Databricks and Hive ones Loupe
/// parses Spark SQL with; read as sqlparser's Spark dialect reads it.
fn spark_integer_division(
    parser: &mut Parser,
    left: &Expr,
    precedence: u8,
) -> Result<Expr, ParserError> {
    parser.expect_keyword_is(Keyword::DIV)?;
    let right = parser.parse_subexpr(precedence)?;
    Ok(Expr::BinaryOp {
        left: Box::new(left.clone()),
        op: sqlparser::ast::BinaryOperator::MyIntegerDivide,
        right: Box::new(right),
    })
}

impl<D: Dialect> Dialect for PlainIdentifiersFirst<D> {
    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        if let Some(prefix) = self.0.parse_prefix(parser) {
            return Some(prefix);
        }
        match parser.peek_token_ref().token {
            Token::LBracket if self.0.dialect() == TypeId::of::<DuckDbDialect>() => {
                list_comprehension(parser)
            }
            // BigQuery's typed literals `ARRAY<T>[...]` and `RANGE<T> '...'`;
            // where none follows (`array < 1`), sqlparser's reading.
            Token::Word(ref w)
                if matches!(w.keyword, Keyword::ARRAY | Keyword::RANGE)
                    && self.0.dialect() == TypeId::of::<BigQueryDialect>()
                    && parser.peek_nth_token_ref(1).token == Token::Lt =>
            {
                let literal = if w.keyword == Keyword::ARRAY {
                    parser.maybe_parse(|p| bigquery_typed_array(p))
                } else {
                    parser.maybe_parse(|p| bigquery_range_literal(p))
                };
                literal.transpose()
            }
            // A literal is no type name either: sqlparser's type-name reading
            // fails on it at once, formatting an error message.
            Token::Number(..) | Token::SingleQuotedString(_) => {
                Some(parser.parse_value().map(Expr::Value))
            }
            _ => self.plain_word_prefix(parser),
        }
    }

    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &Expr,
        precedence: u8,
    ) -> Option<Result<Expr, ParserError>> {
        let wrapped = self.0.dialect();
        let spark =
            wrapped == TypeId::of::<DatabricksDialect>() || wrapped == TypeId::of::<HiveDialect>();
        if spark && parser.peek_keyword(Keyword::DIV) {
            return Some(spark_integer_division(parser, expr, precedence));
        }
        self.0.parse_infix(parser, expr, precedence)
    }

    // Every other method is the wrapped dialect's; `dialect()` among them,
    // so sqlparser's checks of which dialect it parses still see the wrapped
    // one. The list is sqlparser 0.63's trait: a method a later version adds
    // would answer with the trait's default here, so an upgrade compares it.
    forward_to_wrapped_dialect! {
        fn dialect(&self) -> TypeId;
        fn is_delimited_identifier_start(&self, ch: char) -> bool;
        fn is_nested_delimited_identifier_start(&self, ch: char) -> bool;
        fn peek_nested_delimited_identifier_quotes(&self, chars: Peekable<Chars<'_>>) -> Option<(char, Option<char>)>;
        fn identifier_quote_style(&self, identifier: &str) -> Option<char>;
        fn is_identifier_start(&self, ch: char) -> bool;
        fn is_identifier_part(&self, ch: char) -> bool;
        fn is_custom_operator_part(&self, ch: char) -> bool;
        fn supports_string_literal_backslash_escape(&self) -> bool;
        fn ignores_wildcard_escapes(&self) -> bool;
        fn supports_unicode_string_literal(&self) -> bool;
        fn supports_filter_during_aggregation(&self) -> bool;
        fn supports_window_clause_named_window_reference(&self) -> bool;
        fn supports_within_after_array_aggregation(&self) -> bool;
        fn supports_partition_by_after_order_by(&self) -> bool;
        fn supports_array_join_syntax(&self) -> bool;
        fn supports_alter_user_as_alter_role(&self) -> bool;
        fn supports_group_by_expr(&self) -> bool;
        fn supports_group_by_with_modifier(&self) -> bool;
        fn supports_left_associative_joins_without_parens(&self) -> bool;
        fn supports_outer_join_operator(&self) -> bool;
        fn supports_cross_join_constraint(&self) -> bool;
        fn supports_connect_by(&self) -> bool;
        fn supports_execute_immediate(&self) -> bool;
        fn supports_match_recognize(&self) -> bool;
        fn supports_in_empty_list(&self) -> bool;
        fn supports_in_unparenthesized_expr(&self) -> bool;
        fn supports_start_transaction_modifier(&self) -> bool;
        fn supports_end_transaction_modifier(&self) -> bool;
        fn supports_named_fn_args_with_eq_operator(&self) -> bool;
        fn supports_named_fn_args_with_colon_operator(&self) -> bool;
        fn supports_named_fn_args_with_assignment_operator(&self) -> bool;
        fn supports_named_fn_args_with_rarrow_operator(&self) -> bool;
        fn supports_named_fn_args_with_expr_name(&self) -> bool;
        fn supports_numeric_prefix(&self) -> bool;
        fn supports_numeric_literal_underscores(&self) -> bool;
        fn supports_window_function_null_treatment_arg(&self) -> bool;
        fn supports_dictionary_syntax(&self) -> bool;
        fn support_map_literal_syntax(&self) -> bool;
        fn supports_lambda_functions(&self) -> bool;
        fn supports_parenthesized_set_variables(&self) -> bool;
        fn supports_comma_separated_set_assignments(&self) -> bool;
        fn supports_update_order_by(&self) -> bool;
        fn supports_select_wildcard_except(&self) -> bool;
        fn convert_type_before_value(&self) -> bool;
        fn supports_triple_quoted_string(&self) -> bool;
        fn supports_trailing_commas(&self) -> bool;
        fn supports_limit_comma(&self) -> bool;
        fn supports_string_literal_concatenation(&self) -> bool;
        fn supports_string_literal_concatenation_with_newline(&self) -> bool;
        fn supports_projection_trailing_commas(&self) -> bool;
        fn supports_from_trailing_commas(&self) -> bool;
        fn supports_column_definition_trailing_commas(&self) -> bool;
        fn supports_object_name_double_dot_notation(&self) -> bool;
        fn supports_struct_literal(&self) -> bool;
        fn supports_empty_projections(&self) -> bool;
        fn supports_select_expr_star(&self) -> bool;
        fn supports_from_first_select(&self) -> bool;
        fn supports_from_first_insert(&self) -> bool;
        fn supports_pipe_operator(&self) -> bool;
        fn supports_user_host_grantee(&self) -> bool;
        fn supports_match_against(&self) -> bool;
        fn supports_select_wildcard_exclude(&self) -> bool;
        fn supports_select_exclude(&self) -> bool;
        fn supports_create_table_multi_schema_info_sources(&self) -> bool;
        fn supports_select_modifiers(&self) -> bool;
        fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>>;
        fn get_next_precedence_default(&self, parser: &Parser) -> Result<u8, ParserError>;
        fn parse_statement(&self, parser: &mut Parser) -> Option<Result<Statement, ParserError>>;
        fn parse_column_option(&self, parser: &mut Parser) -> Result<Option<Result<Option<ColumnOption>, ParserError>>, ParserError>;
        fn prec_value(&self, prec: Precedence) -> u8;
        fn prec_unknown(&self) -> u8;
        fn describe_requires_table_keyword(&self) -> bool;
        fn allow_extract_custom(&self) -> bool;
        fn allow_extract_single_quotes(&self) -> bool;
        fn supports_extract_comma_syntax(&self) -> bool;
        fn supports_subquery_as_function_arg(&self) -> bool;
        fn supports_create_view_comment_syntax(&self) -> bool;
        fn supports_array_typedef_without_element_type(&self) -> bool;
        fn supports_parens_around_table_factor(&self) -> bool;
        fn supports_values_as_table_factor(&self) -> bool;
        fn supports_dollar_placeholder(&self) -> bool;
        fn supports_dollar_as_money_prefix(&self) -> bool;
        fn supports_create_index_with_clause(&self) -> bool;
        fn require_interval_qualifier(&self) -> bool;
        fn supports_explain_with_utility_options(&self) -> bool;
        fn supports_asc_desc_in_column_definition(&self) -> bool;
        fn supports_factorial_operator(&self) -> bool;
        fn supports_bitwise_shift_operators(&self) -> bool;
        fn supports_nested_comments(&self) -> bool;
        fn supports_multiline_comment_hints(&self) -> bool;
        fn supports_eq_alias_assignment(&self) -> bool;
        fn supports_try_convert(&self) -> bool;
        fn supports_bang_not_operator(&self) -> bool;
        fn supports_listen_notify(&self) -> bool;
        fn supports_exclude_constraint(&self) -> bool;
        fn supports_load_data(&self) -> bool;
        fn supports_load_extension(&self) -> bool;
        fn supports_top_before_distinct(&self) -> bool;
        fn supports_boolean_literals(&self) -> bool;
        fn supports_show_like_before_in(&self) -> bool;
        fn supports_comment_on(&self) -> bool;
        fn supports_create_table_select(&self) -> bool;
        fn supports_leading_comma_before_table_options(&self) -> bool;
        fn supports_partiql(&self) -> bool;
        fn supports_unpivot_expr(&self) -> bool;
        fn supports_constraint_keyword_without_name(&self) -> bool;
        fn supports_key_column_option(&self) -> bool;
        fn is_reserved_for_identifier(&self, kw: Keyword) -> bool;
        fn get_reserved_keywords_for_select_item_operator(&self) -> &[Keyword];
        fn get_reserved_grantees_types(&self) -> &[GranteesType];
        fn supports_table_sample_before_alias(&self) -> bool;
        fn supports_insert_set(&self) -> bool;
        fn supports_insert_table_function(&self) -> bool;
        fn supports_insert_table_query(&self) -> bool;
        fn supports_insert_format(&self) -> bool;
        fn supports_insert_table_alias(&self) -> bool;
        fn supports_set_stmt_without_operator(&self) -> bool;
        fn is_column_alias(&self, kw: &Keyword, parser: &mut Parser) -> bool;
        fn is_select_item_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool;
        fn is_table_factor(&self, kw: &Keyword, parser: &mut Parser) -> bool;
        fn is_table_alias(&self, kw: &Keyword, parser: &mut Parser) -> bool;
        fn is_table_factor_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool;
        fn supports_table_versioning(&self) -> bool;
        fn supports_string_escape_constant(&self) -> bool;
        fn supports_table_hints(&self) -> bool;
        fn requires_single_line_comment_whitespace(&self) -> bool;
        fn supports_array_typedef_with_brackets(&self) -> bool;
        fn supports_geometric_types(&self) -> bool;
        fn supports_order_by_all(&self) -> bool;
        fn supports_order_by_using_operator(&self) -> bool;
        fn supports_set_names(&self) -> bool;
        fn supports_space_separated_column_options(&self) -> bool;
        fn supports_alter_column_type_using(&self) -> bool;
        fn supports_comma_separated_drop_column_list(&self) -> bool;
        fn is_identifier_generating_function_name(&self, ident: &Ident, name_parts: &[ObjectNamePart]) -> bool;
        fn supports_notnull_operator(&self) -> bool;
        fn supports_data_type_signed_suffix(&self) -> bool;
        fn supports_interval_options(&self) -> bool;
        fn supports_create_table_like_parenthesized(&self) -> bool;
        fn supports_semantic_view_table_factor(&self) -> bool;
        fn supports_quote_delimited_string(&self) -> bool;
        fn supports_comment_optimizer_hint(&self) -> bool;
        fn supports_double_ampersand_operator(&self) -> bool;
        fn supports_binary_kw_as_cast(&self) -> bool;
        fn supports_select_wildcard_replace(&self) -> bool;
        fn supports_select_wildcard_ilike(&self) -> bool;
        fn supports_select_wildcard_rename(&self) -> bool;
        fn supports_select_wildcard_with_alias(&self) -> bool;
        fn supports_optimize_table(&self) -> bool;
        fn supports_install(&self) -> bool;
        fn supports_detach(&self) -> bool;
        fn supports_prewhere(&self) -> bool;
        fn supports_with_fill(&self) -> bool;
        fn supports_limit_by(&self) -> bool;
        fn supports_interpolate(&self) -> bool;
        fn supports_settings(&self) -> bool;
        fn supports_select_format(&self) -> bool;
        fn supports_comma_separated_trim(&self) -> bool;
        fn supports_cte_without_as(&self) -> bool;
        fn supports_select_item_multi_column_alias(&self) -> bool;
        fn supports_xml_expressions(&self) -> bool;
        fn supports_aliased_function_args(&self) -> bool;
        fn supports_create_table_using(&self) -> bool;
        fn supports_long_type_as_bigint(&self) -> bool;
        fn supports_map_literal_with_angle_brackets(&self) -> bool;
    }
}
