"""The council: reviews of project plans, votes, meeting packs."""
