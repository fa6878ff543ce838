"""The shared core every domain may use, and which uses none of them: the extensions, the
clock, column types, the labelled-enum base and the handling tiers, offices and their staff,
role and permission names, security (password policy, the acting user), the errors every
domain raises, input parsing, which rows are kept because others refer to them, JSON bodies,
the REST API's base, the datamodel every screen and API reads rows and list filters through,
and display formatting."""
