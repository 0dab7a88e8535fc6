= revision
