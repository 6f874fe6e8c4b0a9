package broken_test

test_nothing if {
	true
}
