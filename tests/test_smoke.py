from jiefen.cases.models import CaseEvent, CaseState, EventKind


def test_grid_worker_registers_a_case_routed_to_the_village_room(make_case, org, grid_worker):
    case = make_case()
    assert case.number.startswith("测试-")
    assert case.state == CaseState.REGISTERED
    assert case.assigned_unit == org.village_room
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.ROUTED]
