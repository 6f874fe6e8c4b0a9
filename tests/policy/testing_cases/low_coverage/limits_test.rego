package limits_test

import data.limits

test_too_many_replicas if {
	limits.deny == {"too many replicas"} with input as {"replicas": 11}
}
