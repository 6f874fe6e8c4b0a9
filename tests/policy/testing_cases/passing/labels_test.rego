package labels_test

import data.labels

test_missing_label_denied if {
	labels.deny == {"the object has no team label"} with input as {"metadata": {}}
}

test_label_allowed if {
	count(labels.deny) == 0 with input as {"metadata": {"labels": {"team": "a"}}}
}

todo_test_label_format if {
	false
}
