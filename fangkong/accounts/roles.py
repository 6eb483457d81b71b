"""What each role may do. Which rows it may touch is decided by area scoping, not here.

Permissions are ordinary Django permission names, so views, the API and templates use
``user.has_perm``. A later module adds its lines to ``ROLE_PERMISSIONS``.
"""

from .choices import Role

_RESIDENT_READ = {
    "areas.view_area",
    "registry.view_resident",
    "registry.view_household",
    "registry.view_building",
}
_RESIDENT_WRITE = {
    "registry.add_resident",
    "registry.change_resident",
    "registry.delete_resident",
    "registry.import_resident",
    "registry.export_resident",
    "registry.add_household",
    "registry.change_household",
    "registry.delete_household",
    "registry.add_building",
    "registry.change_building",
    "registry.delete_building",
}
_REVEAL = {"registry.reveal_resident", "registry.export_personal_resident"}
# Opening and running colleagues' accounts in one's subtree (账号管理): a community's
# secretary does it for its grid workers and volunteers; ``accounts.services`` keeps each
# office to roles it could hold itself.
_ACCOUNT_ADMIN = {"accounts.view_user", "accounts.add_user", "accounts.change_user"}
_AREA_ADMIN = {"areas.add_area", "areas.change_area"} | _ACCOUNT_ADMIN
_AUDIT = {"core.view_auditentry"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.COMMAND: frozenset(_RESIDENT_READ | _RESIDENT_WRITE | _REVEAL | _AREA_ADMIN | _AUDIT),
    Role.STREET: frozenset(_RESIDENT_READ | _RESIDENT_WRITE | _REVEAL | _AREA_ADMIN | _AUDIT),
    Role.COMMUNITY: frozenset(_RESIDENT_READ | _RESIDENT_WRITE | _REVEAL | _AUDIT | _AREA_ADMIN),
    Role.GRID_WORKER: frozenset(_RESIDENT_READ | _RESIDENT_WRITE | {"registry.reveal_resident"}),
    Role.ENTERPRISE_LIAISON: frozenset({"areas.view_area"}),
    Role.INSPECTOR: frozenset({"areas.view_area"}),
    Role.VOLUNTEER: frozenset(),
    Role.LEADER: frozenset(_RESIDENT_READ | {"core.view_auditentry"}),
}


def _grant(block: dict[str, set[str]]) -> None:
    """Add a module's permissions (role -> perms) to ``ROLE_PERMISSIONS``."""
    for role, perms in block.items():
        ROLE_PERMISSIONS[role] = ROLE_PERMISSIONS.get(role, frozenset()) | frozenset(perms)


def permissions_for(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())


# --- issue 4: screening, risk levels, cases/contacts, health monitoring, person status ---
_ISSUE4_READ = {
    "screening.view_campaign",
    "screening.view_visit",
    "screening.view_finding",
    "risk.view_risklevel",
    "risk.view_riskdesignation",
    "tracing.view_case",
    "tracing.view_contact",
    "health.view_assignment",
    "health.view_checkin",
    "health.view_alert",
    "health.view_nucleicacidtest",
    "health.view_healthcertificate",
    "status.view_personstatus",
    "status.view_statusoverride",
    "status.view_statuspolicy",
    "status.verify_personstatus",
}
_ISSUE4_FIELD = {  # what a grid worker records on the ground
    "screening.add_visit",
    "screening.add_finding",
    "health.add_assignment",
    "health.change_assignment",
    "health.add_checkin",
    "health.change_alert",
    "health.add_nucleicacidtest",
    "status.add_statusoverride",
}
_ISSUE4_MANAGE = {  # community, street and command staff
    "screening.add_campaign",
    "screening.change_campaign",
    "tracing.add_case",
    "tracing.change_case",
    "tracing.add_contact",
    "tracing.change_contact",
    "health.release_assignment",
    "health.review_nucleicacidtest",
    "health.add_healthcertificate",
    "health.revoke_healthcertificate",
    "status.approve_statusoverride",
}
_ISSUE4_POLICY = {"status.add_statuspolicy", "status.change_statuspolicy"}
_ISSUE4_RISK = {
    "risk.add_risklevel",
    "risk.change_risklevel",
    "risk.add_riskdesignation",
    "risk.change_riskdesignation",
}
_ISSUE4: dict[str, set[str]] = {
    Role.COMMAND: _ISSUE4_READ | _ISSUE4_FIELD | _ISSUE4_MANAGE | _ISSUE4_POLICY | _ISSUE4_RISK,
    Role.STREET: _ISSUE4_READ | _ISSUE4_FIELD | _ISSUE4_MANAGE | _ISSUE4_POLICY,
    Role.COMMUNITY: _ISSUE4_READ | _ISSUE4_FIELD | _ISSUE4_MANAGE,
    Role.GRID_WORKER: _ISSUE4_READ | _ISSUE4_FIELD,
    Role.LEADER: set(_ISSUE4_READ),
    # Checkpoint duty: scanning a personal code shows colour and masked name only.
    Role.ENTERPRISE_LIAISON: {"status.verify_personstatus"},
    Role.INSPECTOR: {"status.verify_personstatus", "risk.view_riskdesignation"},
    Role.VOLUNTEER: {"status.verify_personstatus"},
}
_grant(_ISSUE4)


# --- venues: venues, checkpoints, scans, going-out approvals (issue 5) ---
_VENUES_READ = {"venues.view_venue", "venues.view_scan", "venues.view_outingapproval"}
_VENUES_MANAGE = {
    "venues.add_venue",
    "venues.change_venue",
    "venues.delete_venue",
    "venues.export_venue",
    "venues.export_scan",
    "venues.ingest_scan",  # accounts of checkpoint devices and partner systems
}
_VENUES_CHECKPOINT = {"venues.view_venue", "venues.checkpoint_venue", "venues.add_scan"}
_VENUES_OUTING = {"venues.add_outingapproval", "venues.approve_outingapproval"}
_VENUES: dict[str, set[str]] = {
    Role.COMMAND: _VENUES_READ | _VENUES_MANAGE | _VENUES_CHECKPOINT | _VENUES_OUTING,
    Role.STREET: _VENUES_READ | _VENUES_MANAGE | _VENUES_CHECKPOINT | _VENUES_OUTING,
    Role.COMMUNITY: _VENUES_READ | _VENUES_MANAGE | _VENUES_CHECKPOINT | _VENUES_OUTING,
    Role.GRID_WORKER: _VENUES_READ | _VENUES_CHECKPOINT | _VENUES_OUTING,
    Role.LEADER: set(_VENUES_READ),
    Role.ENTERPRISE_LIAISON: set(_VENUES_CHECKPOINT),
    Role.INSPECTOR: {"venues.view_venue"},
    Role.VOLUNTEER: set(_VENUES_CHECKPOINT),
}
_grant(_VENUES)


# --- tracing: contacts found from scans and households, transmission chains (issue 5) ---
_TRACING = {"tracing.trace_case", "tracing.export_case", "tracing.view_exposure"}
_TRACING_ROLES: dict[str, set[str]] = {
    # The unmasked chain goes to other districts' 协查: the command office's 流调 team.
    Role.COMMAND: _TRACING | {"tracing.export_personal_exposure"},
    Role.STREET: _TRACING,
    Role.COMMUNITY: _TRACING,
    Role.GRID_WORKER: {"tracing.view_exposure"},
    Role.LEADER: {"tracing.view_exposure"},
}
_grant(_TRACING_ROLES)


# --- volunteers (issue 6): registry, needs, dispatch, shifts, teams ---
_VOL_READ = {
    "volunteers.view_volunteer",
    "volunteers.view_partyreport",
    "volunteers.view_need",
    "volunteers.view_dispatchbatch",
    "volunteers.view_assignment",
    "volunteers.view_shift",
    "volunteers.view_team",
}
_VOL_SHIFTS = {"volunteers.add_shift", "volunteers.change_shift"}
_VOL_MANAGE = _VOL_SHIFTS | {
    "volunteers.add_volunteer",
    "volunteers.change_volunteer",
    "volunteers.delete_volunteer",
    "volunteers.review_volunteer",
    "volunteers.import_volunteer",
    "volunteers.export_volunteer",
    "volunteers.add_partyreport",
    "volunteers.add_need",
    "volunteers.change_need",
    "volunteers.delete_need",
    "volunteers.dispatch_need",
    "volunteers.export_need",
    "volunteers.add_team",
    "volunteers.change_team",
    "volunteers.delete_team",
}
_VOLUNTEERS: dict[str, set[str]] = {
    Role.COMMAND: _VOL_READ | _VOL_MANAGE | {"volunteers.export_personal_volunteer"},
    Role.STREET: _VOL_READ | _VOL_MANAGE | {"volunteers.export_personal_volunteer"},
    Role.COMMUNITY: _VOL_READ | _VOL_MANAGE | {"volunteers.export_personal_volunteer"},
    Role.GRID_WORKER: _VOL_READ | _VOL_SHIFTS,  # checks volunteers in and out on site
    Role.LEADER: set(_VOL_READ),
    # Scoping narrows a volunteer to their own record, tasks and shifts (models/base.py).
    Role.VOLUNTEER: {
        "volunteers.view_volunteer",
        "volunteers.view_assignment",
        "volunteers.view_shift",
    },
}
_grant(_VOLUNTEERS)


# --- issue 7: supervision and problems (督导检查, 问题台账), public tips (线索有奖举报) ---
_SUP_READ = {
    "supervision.view_inspectiongroup",
    "supervision.view_inspectiontask",
    "supervision.view_checklisttemplate",
    "supervision.view_visit",
    "supervision.view_problem",
    "supervision.view_problemevent",
    "supervision.view_photo",
    "supervision.view_problemsummary",
    "supervision.export_problem",
}
_SUP_ORGANISE = {  # the office that forms groups and sends them out
    "supervision.add_inspectiongroup",
    "supervision.change_inspectiongroup",
    "supervision.add_checklisttemplate",
    "supervision.add_inspectiontask",
    "supervision.add_problemsummary",
}
_SUP_INSPECT = {  # inspectors: visits, findings, verification
    "supervision.add_visit",
    "supervision.add_problem",
    "supervision.verify_problem",
    "supervision.add_problemsummary",
}
_SUP_RECTIFY = {"supervision.rectify_problem"}  # the responsible unit
_TIPS_HANDLE = {"tips.view_tip", "tips.change_tip", "tips.export_tip", "tips.view_reward"}
_TIPS_REWARD = {"tips.view_tipster", "tips.add_reward", "tips.change_reward"}
_ISSUE7: dict[str, set[str]] = {
    Role.COMMAND: _SUP_READ
    | _SUP_ORGANISE
    | _SUP_INSPECT
    | _SUP_RECTIFY
    | _TIPS_HANDLE
    | _TIPS_REWARD,
    Role.STREET: _SUP_READ | _SUP_RECTIFY | {"supervision.add_problemsummary"} | _TIPS_HANDLE,
    Role.COMMUNITY: _SUP_READ | _SUP_RECTIFY | _TIPS_HANDLE,
    Role.INSPECTOR: _SUP_READ | _SUP_INSPECT,
    Role.LEADER: _SUP_READ | {"tips.view_tip", "tips.view_reward"},
}
_grant(_ISSUE7)


# --- enterprises: work resumption, liaison officers (issue 6) ---
# Office staff act on the enterprises of their area subtree. The enterprise role (企业联络员)
# serves enterprise contact accounts and stationed liaison officers alike; which enterprises
# they reach is their binding (``enterprises.scoping``), and only a stationed liaison files
# inspections (``services.require_stationed``).
_ENT_READ = {
    "enterprises.view_enterprise",
    "enterprises.view_industrialpark",
    "enterprises.view_resumptionapplication",
    "enterprises.view_employee",
    "enterprises.view_liaisonassignment",
    "enterprises.view_dailyreport",
    "enterprises.view_reportreminder",
    "enterprises.view_inspection",
    "enterprises.view_inspectionproblem",
    "enterprises.view_difficulty",
}
_ENT_OFFICE = {
    "enterprises.add_enterprise",
    "enterprises.change_enterprise",
    "enterprises.delete_enterprise",
    "enterprises.import_enterprise",
    "enterprises.export_enterprise",
    "enterprises.export_personal_enterprise",
    "enterprises.manage_liaison",
    "enterprises.add_industrialpark",
    "enterprises.change_industrialpark",
    "enterprises.delete_industrialpark",
    "enterprises.review_resumptionapplication",
    "enterprises.respond_difficulty",
    # Paper applications, reports and phoned-in difficulties are entered by the office.
    "enterprises.add_resumptionapplication",
    "enterprises.add_dailyreport",
    "enterprises.change_dailyreport",
    "enterprises.add_difficulty",
    "enterprises.add_reportreminder",
    "enterprises.export_employee",
    "enterprises.import_employee",
    "enterprises.add_employee",
    "enterprises.change_employee",
    "enterprises.delete_employee",
    "enterprises.export_personal_employee",
    "enterprises.add_inspectionproblem",
    "enterprises.change_inspectionproblem",
}
_ENT_ENTERPRISE = {  # what an enterprise account or its stationed liaison does for it
    "enterprises.view_enterprise",
    "enterprises.view_resumptionapplication",
    "enterprises.view_employee",
    "enterprises.view_dailyreport",
    "enterprises.view_reportreminder",  # when the office chased its missing reports
    "enterprises.view_inspection",
    "enterprises.view_inspectionproblem",
    "enterprises.view_difficulty",
    "enterprises.add_resumptionapplication",
    "enterprises.add_employee",
    "enterprises.change_employee",
    "enterprises.delete_employee",
    "enterprises.import_employee",
    "enterprises.export_employee",
    "enterprises.add_dailyreport",
    "enterprises.change_dailyreport",
    "enterprises.add_inspection",
    "enterprises.add_inspectionproblem",
    "enterprises.change_inspectionproblem",
    "enterprises.add_difficulty",
}
_ENTERPRISES: dict[str, set[str]] = {
    Role.COMMAND: _ENT_READ | _ENT_OFFICE,
    Role.STREET: _ENT_READ | _ENT_OFFICE,
    Role.COMMUNITY: _ENT_READ | _ENT_OFFICE,
    Role.GRID_WORKER: {"enterprises.view_enterprise", "enterprises.view_employee"},
    Role.LEADER: set(_ENT_READ),
    Role.ENTERPRISE_LIAISON: _ENT_ENTERPRISE,
}
_grant(_ENTERPRISES)


# --- issue 7: supplies, donations, funds (supplies) and market prices (prices) ---
_SUPPLY_READ = {
    "supplies.view_item",
    "supplies.view_warehouse",
    "supplies.view_movement",
    "supplies.view_donation",
    "supplies.view_supplyrequest",
    "supplies.view_allocation",
    "supplies.view_fund",
    "supplies.view_fundentry",
    "prices.view_market",
    "prices.view_commodity",
    "prices.view_pricereport",
    "prices.view_priceline",
}
_SUPPLY_UNIT = {  # a front-line unit asks, signs for what arrives, and reports prices
    "supplies.add_supplyrequest",
    "supplies.receive_allocation",
    "prices.add_pricereport",
    "prices.change_pricereport",
}
_SUPPLY_MANAGE = {  # warehouse keepers and the offices that run supplies and funds
    "supplies.add_item",
    "supplies.change_item",
    "supplies.add_warehouse",
    "supplies.change_warehouse",
    "supplies.add_movement",
    "supplies.add_donation",
    "supplies.change_donation",
    "supplies.export_donation",
    "supplies.approve_supplyrequest",
    "supplies.add_allocation",
    "supplies.add_fund",
    "supplies.add_fundentry",
    "prices.add_market",
    "prices.change_market",
    "prices.add_commodity",
    "prices.change_commodity",
    "prices.export_pricereport",
}
_SUPPLY: dict[str, set[str]] = {
    Role.COMMAND: _SUPPLY_READ | _SUPPLY_UNIT | _SUPPLY_MANAGE,
    Role.STREET: _SUPPLY_READ | _SUPPLY_UNIT | _SUPPLY_MANAGE,
    Role.COMMUNITY: _SUPPLY_READ | _SUPPLY_UNIT | {"supplies.add_movement"},
    Role.GRID_WORKER: {
        "prices.view_market",
        "prices.view_commodity",
        "prices.add_pricereport",
        "prices.change_pricereport",
        "prices.view_pricereport",
        "prices.view_priceline",
    },
    Role.LEADER: set(_SUPPLY_READ),
}
_grant(_SUPPLY)


# --- duty: working groups, duty rosters, handovers, notices with acknowledgment ---
# Signing a notice needs no permission: any recipient signs their own receipt.
_DUTY_READ = {
    "duty.view_workinggroup",
    "duty.view_shift",
    "duty.view_handover",
    "duty.view_handoveritem",
    "duty.view_notice",
}
_DUTY_ON_DUTY = {"duty.add_handover"}  # whoever stands a shift hands it over
_DUTY_MANAGE = {
    "duty.add_workinggroup",
    "duty.change_workinggroup",
    "duty.delete_workinggroup",
    "duty.add_shift",
    "duty.change_shift",
    "duty.delete_shift",
    "duty.import_shift",
    "duty.export_shift",
    "duty.change_handoveritem",
    "duty.add_notice",
    "duty.remind_notice",
}
_DUTY: dict[str, set[str]] = {
    Role.COMMAND: _DUTY_READ | _DUTY_ON_DUTY | _DUTY_MANAGE,
    Role.STREET: _DUTY_READ | _DUTY_ON_DUTY | _DUTY_MANAGE,
    Role.COMMUNITY: _DUTY_READ | _DUTY_ON_DUTY | _DUTY_MANAGE,
    Role.GRID_WORKER: {"duty.view_shift", "duty.view_handover"} | _DUTY_ON_DUTY,
    Role.LEADER: set(_DUTY_READ),
}
_grant(_DUTY)


# --- dashboard (issue 7: command dashboard, daily report) ---
_REPORT_READ = {"dashboard.view_reporttemplate", "dashboard.view_submittedreport"}
_REPORT_MANAGE = {
    "dashboard.add_reporttemplate",
    "dashboard.change_reporttemplate",
    "dashboard.delete_reporttemplate",
}
# 日报报送: each office sends its own area's report to the one above it.
_REPORT_SUBMIT = {"dashboard.submit_submittedreport"}
_DASHBOARD: dict[str, set[str]] = {
    Role.COMMAND: _REPORT_READ | _REPORT_MANAGE | _REPORT_SUBMIT,
    Role.STREET: _REPORT_READ | _REPORT_MANAGE | _REPORT_SUBMIT,
    Role.COMMUNITY: _REPORT_READ | _REPORT_SUBMIT,
    Role.LEADER: set(_REPORT_READ),
}
_grant(_DASHBOARD)


# --- 包联: party members assigned to buildings and households ---
_PAIRING_READ = {"pairing.view_pairing", "pairing.export_pairing"}
_PAIRING_MANAGE = {"pairing.add_pairing", "pairing.delete_pairing", "pairing.import_pairing"}
_PAIRING: dict[str, set[str]] = {
    Role.COMMAND: _PAIRING_READ | _PAIRING_MANAGE,
    Role.STREET: _PAIRING_READ | _PAIRING_MANAGE,
    Role.COMMUNITY: _PAIRING_READ | _PAIRING_MANAGE,
    Role.GRID_WORKER: set(_PAIRING_READ),
    Role.LEADER: {"pairing.view_pairing"},
    # A party member has no list: their households (我的包联户) are reached through their
    # own pairings (``pairing.services.paired_households``), whatever the role's permissions.
}
_grant(_PAIRING)
