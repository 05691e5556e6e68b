"""Joint committees: members, projects and phases, proposals and consensus, decisions,
meetings and minutes, shared documents, consultant contracts."""
