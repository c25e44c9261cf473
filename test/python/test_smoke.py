def test_import():
    import panintelligence_cdk_dashboard as pi
    assert pi.PanintelligenceDashboard
