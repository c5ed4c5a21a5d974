"""Sources: collecting trade businesses from Google Places and Yelp past their result caps.

Owns the provider clients and their fakes, the synthetic mock universe, state geometry and
adaptive tiling, and the collect flow. Storing and merging the listings belongs to
`targets.listings`; finding emails belongs to enrichment.
"""
