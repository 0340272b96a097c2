"""What tests arm against the sandbox (faults), the writes it applied (applied) and hostile bodies (hostile)."""
