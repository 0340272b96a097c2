"""The sandbox's actions: their fields (model), index (store), making (make, seed, synth), the writes that change
them (forms, changes) and the queue of API submissions (submissions)."""
