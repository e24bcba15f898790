"""The citizens' site: the town's online services, forms and "Suivre ma demande"."""
