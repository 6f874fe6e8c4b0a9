package labels_test

import data.labels

test_passes if {
	count(labels.deny) == 0 with input as {"metadata": {"labels": {"team": "a"}}}
}

test_wrong_message if {
	print("deny was", labels.deny) with input as {"metadata": {}}
	labels.deny == {"some other message"} with input as {"metadata": {}}
}

value := 1 if input.x

value := 2 if input.x

test_conflicting_values if {
	value == 1 with input.x as true
}
