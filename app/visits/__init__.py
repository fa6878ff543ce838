"""Return visits (回访): the visit planned when a case is resolved, the Customer Service visit
queue and its deadlines in the shared sweep, recording a visit and failed attempts, the
resident's sign-off (签名确认) or spoken confirmation, satisfaction on the five-level scale
driving the case through the complaint workflow, rectification notices (整改通知) from problems
found, routine visits without a complaint, and the repair-visit sampling shares per role."""
