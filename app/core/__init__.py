"""The shared core every domain may use, and which uses none of them: the extensions, the
clock, column types, the labelled-enum base and the handling tiers, offices and their staff,
role and permission names, security (password policy, the acting user), the errors every
domain raises, input parsing, the datamodel every screen reads rows through, and display
formatting."""
