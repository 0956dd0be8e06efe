# DDESeg's box-aware random crop (`FastRandomCropWithBbox` in YenanLiu/DDESeg
# `dataload/data_augmentation.py`): a window of area U(0.6 box, W H) and aspect 0.75-1.33,
# kept if it covers >= 60 % of the sounding objects' box, here derived from the masks (see
# ClipBoxAwareRandomCrop). One draw, as DDESeg: a window that misses leaves the clip uncropped.
# The `*_ddeseg-frame` configs insert it into their train pipeline before the resize to 224.
box_aware_crop = dict(type='ClipBoxAwareRandomCrop', min_box_coverage=0.6,
                      aspect_range=(0.75, 1.33), max_attempts=1)
