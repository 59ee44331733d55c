"""Workforce management: Erlang staffing maths (M15); forecasting and planning come with issue 4."""
