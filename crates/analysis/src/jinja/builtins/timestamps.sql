{#-
  Loupe builtin macros: current_timestamp and friends.

  These mirror dbt-core's "global project" macros
  (dbt-labs/dbt-core, now dbt-labs/dbt-adapters: include/global_project/macros/adapters/timestamps.sql)
  and the adapter overrides shipped by dbt-postgres, dbt-redshift, dbt-snowflake,
  dbt-bigquery, dbt-spark, dbt-databricks and dbt-duckdb. All of those are Apache-2.0.

  Deviations needed to render without a warehouse or for MiniJinja are marked "LOUPE:".
-#}

{%- macro current_timestamp() -%}
    {{ adapter.dispatch('current_timestamp', 'dbt')() }}
{%- endmacro -%}

{# LOUPE: dbt-core raises exceptions.raise_not_implemented('current_timestamp macro not
   implemented for adapter ...') here. Loupe renders the ANSI keyword instead so that an
   adapter without an override does not produce a false error. #}
{% macro default__current_timestamp() -%}
  current_timestamp
{%- endmacro %}

{# dbt-postgres #}
{% macro postgres__current_timestamp() -%}
    now()
{%- endmacro %}

{# dbt-duckdb #}
{% macro duckdb__current_timestamp() -%}
  now()
{%- endmacro %}

{# dbt-redshift #}
{% macro redshift__current_timestamp() -%}
    getdate()
{%- endmacro %}

{# dbt-snowflake #}
{% macro snowflake__current_timestamp() -%}
  convert_timezone('UTC', current_timestamp())
{%- endmacro %}

{# dbt-bigquery #}
{% macro bigquery__current_timestamp() -%}
  CURRENT_TIMESTAMP()
{%- endmacro %}

{# dbt-spark #}
{% macro spark__current_timestamp() -%}
    CURRENT_TIMESTAMP()
{%- endmacro %}

{# dbt-databricks inherits spark's; LOUPE: explicit because dispatch does not chain #}
{% macro databricks__current_timestamp() -%}
    {{ return(spark__current_timestamp()) }}
{%- endmacro %}


{%- macro snapshot_get_time() -%}
    {{ adapter.dispatch('snapshot_get_time', 'dbt')() }}
{%- endmacro -%}

{% macro default__snapshot_get_time() %}
    {{ current_timestamp() }}
{% endmacro %}

{# dbt-postgres #}
{% macro postgres__snapshot_get_time() -%}
  {{ current_timestamp() }}::timestamp without time zone
{%- endmacro %}

{# dbt-duckdb #}
{% macro duckdb__snapshot_get_time() -%}
  {{ current_timestamp() }}::timestamp
{%- endmacro %}

{# dbt-snowflake #}
{% macro snowflake__snapshot_get_time() -%}
  to_timestamp_ntz({{ current_timestamp() }})
{%- endmacro %}


{% macro snapshot_string_as_time(timestamp) -%}
    {{ adapter.dispatch('snapshot_string_as_time', 'dbt')(timestamp) }}
{%- endmacro %}

{# LOUPE: dbt-core raises not-implemented for the default; render a plain cast instead. #}
{% macro default__snapshot_string_as_time(timestamp) %}
    {%- set result = "cast('" ~ timestamp ~ "' as timestamp)" -%}
    {{ return(result) }}
{% endmacro %}

{# dbt-postgres #}
{% macro postgres__snapshot_string_as_time(timestamp) -%}
    {%- set result = "'" ~ timestamp ~ "'::timestamp without time zone" -%}
    {{ return(result) }}
{%- endmacro %}

{# dbt-duckdb #}
{% macro duckdb__snapshot_string_as_time(timestamp) -%}
    {%- set result = "'" ~ timestamp ~ "'::timestamp" -%}
    {{ return(result) }}
{%- endmacro %}

{# dbt-snowflake #}
{% macro snowflake__snapshot_string_as_time(timestamp) -%}
    {%- set result = "to_timestamp_ntz('" ~ timestamp ~ "')" -%}
    {{ return(result) }}
{%- endmacro %}

{# dbt-bigquery #}
{% macro bigquery__snapshot_string_as_time(timestamp) -%}
    {%- set result = 'TIMESTAMP("' ~ timestamp ~ '")' -%}
    {{ return(result) }}
{%- endmacro %}

---------------------------------------------

/* {#
    DEPRECATED: DO NOT USE IN NEW PROJECTS

    This is ONLY to handle the fact that Snowflake + Postgres had functionally
    different implementations of {{ dbt.current_timestamp }} + {{ dbt_utils.current_timestamp }}

    If you had a project or package that called {{ dbt_utils.current_timestamp() }}, you should
    continue to use this macro to guarantee identical behavior on those two databases.
#} */

{% macro current_timestamp_backcompat() %}
    {{ return(adapter.dispatch('current_timestamp_backcompat', 'dbt')()) }}
{% endmacro %}

{% macro default__current_timestamp_backcompat() %}
    current_timestamp::timestamp
{% endmacro %}

{# dbt-postgres #}
{% macro postgres__current_timestamp_backcompat() %}
    current_timestamp::{{ type_timestamp() }}
{% endmacro %}

{# dbt-snowflake #}
{% macro snowflake__current_timestamp_backcompat() %}
    current_timestamp()::timestamp_ntz
{% endmacro %}

{# dbt-bigquery #}
{% macro bigquery__current_timestamp_backcompat() -%}
  current_timestamp
{%- endmacro %}

{# dbt-redshift #}
{% macro redshift__current_timestamp_backcompat() -%}
    getdate()
{%- endmacro %}

{% macro current_timestamp_in_utc_backcompat() %}
    {{ return(adapter.dispatch('current_timestamp_in_utc_backcompat', 'dbt')()) }}
{% endmacro %}

{% macro default__current_timestamp_in_utc_backcompat() %}
    {{ return(adapter.dispatch('current_timestamp_backcompat', 'dbt')()) }}
{% endmacro %}

{# dbt-postgres #}
{% macro postgres__current_timestamp_in_utc_backcompat() %}
    (current_timestamp at time zone 'utc')::{{ type_timestamp() }}
{% endmacro %}

{# dbt-snowflake #}
{% macro snowflake__current_timestamp_in_utc_backcompat() %}
    convert_timezone('UTC', {{ snowflake__current_timestamp_backcompat() }})::{{ type_timestamp() }}
{% endmacro %}

{# dbt-redshift #}
{% macro redshift__current_timestamp_in_utc_backcompat() -%}
    getdate()
{%- endmacro %}
