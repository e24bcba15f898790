"""What the two web faces (citizens' site, agents' console) share: identity, layout, headers."""
